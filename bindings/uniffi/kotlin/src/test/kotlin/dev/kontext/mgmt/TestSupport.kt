package dev.kontext.mgmt

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.UUID

/** The emulator bindings/uniffi/test.sh started, and its admin routes (no auth). */
object Emu {
    val url: String = System.getenv("KONTEXT_EMULATOR_URL")
        ?: error("KONTEXT_EMULATOR_URL is not set: run bindings/uniffi/test.sh, which starts an emulator")
    const val CLIENT_ID = "sa_11111111-1111-4111-8111-111111111111"
    const val CLIENT_SECRET = "kontext-emulator-secret"

    private val http: HttpClient = HttpClient.newHttpClient()

    fun admin(method: String, path: String, body: String? = null): String {
        val request = HttpRequest.newBuilder(URI.create("$url$path"))
            .method(method, body?.let { HttpRequest.BodyPublishers.ofString(it) } ?: HttpRequest.BodyPublishers.noBody())
            .header("content-type", "application/json")
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() in 200..299) { "$method $path: ${response.statusCode()} ${response.body()}" }
        return response.body()
    }

    fun faults(json: String) {
        admin("PUT", "/_emulator/faults", json)
    }

    fun clearFaults() {
        admin("DELETE", "/_emulator/faults")
    }

    fun seed(json: String) {
        admin("POST", "/_emulator/seed", json)
    }

    /** A token minted by the emulator (e.g. without `management:all`). */
    fun mintToken(scope: String): String {
        val body = admin("POST", "/_emulator/tokens", """{"scope": "$scope"}""")
        return Regex("\"access_token\"\\s*:\\s*\"([^\"]+)\"").find(body)?.groupValues?.get(1)
            ?: error("no access_token in $body")
    }

    /** Requests per route (`GET /api/v1/applications/{id}` → n) since the emulator started. */
    fun stats(): Map<String, Int> {
        val body = admin("GET", "/_emulator/stats")
        return Regex("\"([A-Z]+ /[^\"]*)\"\\s*:\\s*(\\d+)").findAll(body).associate { it.groupValues[1] to it.groupValues[2].toInt() }
    }

    fun client(maxRetries: Int = 0, timeout: Duration? = null): KontextManagementClient =
        KontextManagementClient(baseUrl = url, clientId = CLIENT_ID, clientSecret = CLIENT_SECRET, timeout = timeout, maxRetries = maxRetries)

    fun unique(prefix: String): String = "$prefix-${UUID.randomUUID().toString().take(8)}"
}

/** A client shared by the tests of this JVM, as an application would share one. */
val shared: KontextManagementClient by lazy { Emu.client() }

/** Runs [block] and returns the [KontextException] it throws (fails when it throws none). */
inline fun <reified E : KontextException> expectError(block: () -> Unit): E {
    try {
        block()
    } catch (e: KontextException) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got ${e::class.simpleName}: $e", e)
    }
    throw AssertionError("expected ${E::class.simpleName}, but the call succeeded")
}
