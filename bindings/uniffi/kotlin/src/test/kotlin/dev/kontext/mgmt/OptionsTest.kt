package dev.kontext.mgmt

import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.net.InetSocketAddress
import java.time.Duration
import java.util.Collections

/** Client options that no emulator answer shows: what reaches the wire, and what is refused. */
class OptionsTest {
    @Test
    fun userAgentAndApiVersionReachTheWire() {
        val seen = Collections.synchronizedList(mutableListOf<Pair<String, String>>())
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        server.createContext("/") { exchange ->
            seen.add(exchange.requestURI.path to (exchange.requestHeaders.getFirst("User-Agent") ?: ""))
            val body = """{"statusCode": 404, "message": "nothing here"}""".toByteArray()
            exchange.responseHeaders.add("content-type", "application/json")
            exchange.sendResponseHeaders(404, body.size.toLong())
            exchange.responseBody.use { it.write(body) }
        }
        server.start()
        try {
            val client = KontextManagementClient(
                baseUrl = "http://127.0.0.1:${server.address.port}",
                token = "t0ken",
                apiVersion = "v2",
                userAgent = "my-tool/2.1",
                connectTimeout = Duration.ofSeconds(2),
            )
            expectError<KontextException.NotFound> { runBlocking { client.applications.get("a1") } }
            val (path, agent) = seen.last()
            assertEquals("/api/v2/applications/a1", path)
            assertTrue(agent.endsWith(" my-tool/2.1"), agent)
        } finally {
            server.stop(0)
        }
    }

    @Test
    fun aZeroConnectTimeoutIsRefusedBeforeAnythingIsSent() {
        val e = expectError<KontextException.InvalidInput> {
            KontextManagementClient(baseUrl = "http://127.0.0.1:9", token = "t0ken", connectTimeout = Duration.ZERO)
        }
        assertTrue(e.reason.contains("connectTimeout"), e.reason)
    }
}
