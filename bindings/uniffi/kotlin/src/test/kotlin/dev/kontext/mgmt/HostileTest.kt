package dev.kontext.mgmt

import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.time.Duration
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The client against the hostile server (crates/kontext-mgmt-hostile) test.sh started. */
class HostileTest {
    private val url: String = System.getenv("KONTEXT_HOSTILE_URL")
        ?: error("KONTEXT_HOSTILE_URL is not set: run bindings/uniffi/test.sh, which starts the hostile server")

    private fun client(scenario: String, timeout: Duration? = null, maxBodyBytes: Long? = null) =
        KontextManagementClient(
            baseUrl = "$url/$scenario", clientId = "id", clientSecret = "secret", timeout = timeout, maxBodyBytes = maxBodyBytes,
        )

    @Test
    fun `huge and endless bodies fail with ResponseTooLarge`() {
        for (scenario in listOf("body-2000000000", "endless")) {
            val e = expectError<KontextException.ResponseTooLarge> { runBlocking { client(scenario).applications.list() } }
            assertEquals("ResponseTooLarge", e.kind)
            assertEquals(33554432uL, e.limit)
        }
        expectError<KontextException.ResponseTooLarge> {
            runBlocking { client("chunked-3000", maxBodyBytes = 2000).applications.list() }
        }
    }

    @Test
    fun `extreme numbers from the wire never crash`() = runBlocking<Unit> {
        expectError<KontextException.NotFound> { runBlocking { client("status-404+retry-after-1e30").applications.get("x") } }
        val limited = expectError<KontextException.RateLimited> { runBlocking { client("status-429+retry-after-ms-1e300").applications.list() } }
        assertEquals(Duration.ofDays(1), limited.retryAfter)
        assertEquals(0, client("token-expires-1e300").applications.list().items.size)
    }

    @Test
    fun `a hanging token endpoint times out`() {
        val started = System.nanoTime()
        expectError<KontextException.TimeoutException> {
            runBlocking { client("token-hang", timeout = Duration.ofSeconds(2)).applications.list() }
        }
        assertTrue((System.nanoTime() - started) / 1e9 < 3.0)
    }

    @Test
    fun `a repeated cursor ends the walk`() {
        expectError<KontextException.DecodeException> { runBlocking { client("cursor-repeat-empty").applications.listAll().toList() } }
    }
}
