package dev.kontext.mgmt

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration

class ErrorsTest {
    private val client = shared

    @AfterEach
    fun clearFaults() = Emu.clearFaults()

    private suspend fun newAppId(): String = client.applications.create(
        CreateApplicationInput(name = Emu.unique("err"), oauth = CreateApplicationOAuthInput(redirectUris = listOf("https://example.com/cb"))),
    ).application.id

    /** The next [count] requests to this application's GET get [fault] (JSON fields of a scripted fault). */
    private fun script(appId: String, fault: String, count: Int = 1) =
        Emu.faults("""{"script": [{"method": "GET", "path": "/api/v1/applications/$appId", "count": $count, $fault}]}""")

    /** Every kind is a case of one sealed class: `when` is exhaustive without `else`. */
    private fun describe(e: KontextException): String = when (e) {
        is KontextException.BadRequest -> "400"
        is KontextException.Unauthorized -> "401"
        is KontextException.Forbidden -> "403"
        is KontextException.NotFound -> "404"
        is KontextException.Conflict -> "409"
        is KontextException.PreconditionFailed -> "412"
        is KontextException.UnprocessableEntity -> "422"
        is KontextException.PreconditionRequired -> "428"
        is KontextException.RateLimited -> "429"
        is KontextException.ServerException -> "5xx"
        is KontextException.ApiException -> "other"
        is KontextException.ConnectionException -> "connection"
        is KontextException.TimeoutException -> "timeout"
        is KontextException.DecodeException -> "decode"
        is KontextException.InvalidInput -> "input"
        is KontextException.ResponseTooLarge -> "too large"
    }

    @Test
    fun `not found carries status, message, request id and body`() = runBlocking<Unit> {
        val e = expectError<KontextException.NotFound> { runBlocking { client.applications.get("00000000-0000-4000-8000-000000000000") } }
        assertEquals(404, e.status)
        assertEquals("Application not found", e.detail)
        assertNotNull(e.requestId)
        assertTrue("\"statusCode\":404" in e.body, e.body)
        assertTrue(e.isApiError)
        assertEquals("NotFound", e.kind)
        assertEquals("kontext_not_found", e.code)
        assertEquals("404", describe(e))
        assertEquals("404 NotFound: Application not found [request id ${e.requestId}]", e.toString())
    }

    @Test
    fun `bad request and conflict`() = runBlocking<Unit> {
        val bad = expectError<KontextException.BadRequest> { runBlocking { client.applications.list(cursor = "not-a-cursor") } }
        assertEquals(400, bad.status)
        assertTrue("cursor" in bad.detail, bad.detail)

        val name = Emu.unique("dup")
        val input = CreateApplicationInput(name = name, oauth = CreateApplicationOAuthInput(redirectUris = listOf("https://example.com/cb")))
        client.applications.create(input)
        val conflict = expectError<KontextException.Conflict> { runBlocking { client.applications.create(input) } }
        assertEquals(409, conflict.status)
        assertEquals("kontext_conflict", conflict.code)
    }

    @Test
    fun `an unknown enum value is sent unchanged`() = runBlocking<Unit> {
        val input = CreateApplicationInput(name = Emu.unique("enum"), oauth = CreateApplicationOAuthInput(type = OAuthClientType.Unknown("hybrid"), redirectUris = listOf("https://example.com/cb")))
        val e = expectError<KontextException.BadRequest> { runBlocking { client.applications.create(input) } }
        assertTrue("oauth.type" in e.detail, e.detail)
    }

    @Test
    fun `unauthorized and forbidden`() = runBlocking<Unit> {
        val secret = "definitely-wrong-secret"
        KontextManagementClient(baseUrl = Emu.url, clientId = Emu.CLIENT_ID, clientSecret = secret, maxRetries = 0).use { wrong ->
            val e = expectError<KontextException.Unauthorized> { runBlocking { wrong.applications.list() } }
            assertEquals(401, e.status)
            assertFalse(secret in e.toString() || secret in e.message.orEmpty() || secret in e.body)
        }
        KontextManagementClient(baseUrl = Emu.url, token = Emu.mintToken("mcp:invoke"), maxRetries = 0).use { narrow ->
            val e = expectError<KontextException.Forbidden> { runBlocking { narrow.applications.list() } }
            assertEquals(403, e.status)
            assertEquals("kontext_policy_denied", e.code)
        }
    }

    @Test
    fun `rate limited carries the wait`() = runBlocking<Unit> {
        val id = newAppId()
        script(id, """"status": 429, "retryAfter": 7""")
        val e = expectError<KontextException.RateLimited> { runBlocking { client.applications.get(id) } }
        assertEquals(429, e.status)
        assertEquals(Duration.ofSeconds(7), e.retryAfter)
        assertTrue("retry after 7.000s" in e.toString(), e.toString())
    }

    @Test
    fun `server errors, other statuses and retries`() = runBlocking<Unit> {
        val id = newAppId()
        script(id, """"status": 503""")
        val e = expectError<KontextException.ServerException> { runBlocking { client.applications.get(id) } }
        assertEquals(503, e.status)
        assertEquals("ServerError", e.kind)

        script(id, """"status": 418""")
        val other = expectError<KontextException.ApiException> { runBlocking { client.applications.get(id) } }
        assertEquals(418, other.status)
        assertEquals("ApiError", other.kind)

        // With retries (the core's policy), one 500 is absorbed.
        script(id, """"status": 500""")
        client.withOptions(maxRetries = 2).use { retrying ->
            assertEquals(id, retrying.applications.get(id).application.id)
        }
    }

    @Test
    fun `connection, timeout and decode errors`() = runBlocking<Unit> {
        KontextManagementClient(baseUrl = "http://127.0.0.1:1", token = "t", maxRetries = 0).use { nowhere ->
            val e = expectError<KontextException.ConnectionException> { runBlocking { nowhere.applications.list() } }
            assertNull(e.status)
            assertFalse(e.isApiError)
            assertEquals("kontext_connection_error", e.code)
        }
        val id = newAppId()
        script(id, """"delayMs": 3000""")
        client.withOptions(timeout = Duration.ofMillis(200), maxRetries = 0).use { impatient ->
            val e = expectError<KontextException.TimeoutException> { runBlocking { impatient.applications.get(id) } }
            assertEquals("TimeoutError", e.kind)
        }
        script(id, """"malformed": true""")
        val e = expectError<KontextException.DecodeException> { runBlocking { client.applications.get(id) } }
        assertEquals("decode", describe(e))
        // The answer that did not decode is kept.
        assertTrue(e.body!!.isNotEmpty())
    }

    @Test
    fun `invalid input is refused before anything is sent`() = runBlocking<Unit> {
        val before = Emu.stats().values.sum()
        expectError<KontextException.InvalidInput> { runBlocking { client.applications.get("") } }
        expectError<KontextException.InvalidInput> { runBlocking { client.applications.get("  ") } }
        expectError<KontextException.InvalidInput> { runBlocking { client.applications.list(limit = 0) } }
        expectError<KontextException.InvalidInput> { runBlocking { client.applications.list(limit = 201) } }
        val badJson = CreateIntegrationInput(name = Emu.unique("json"), url = "https://x.example.com", credentialSchema = mapOf("a" to "{not json"))
        val e = expectError<KontextException.InvalidInput> { runBlocking { client.integrations.create(badJson) } }
        assertTrue("not JSON" in e.detail, e.detail)
        assertEquals(before, Emu.stats().values.sum(), "nothing reached the server")

        expectError<KontextException.InvalidInput> { KontextManagementClient(baseUrl = Emu.url, clientId = "only-an-id") }
        expectError<KontextException.InvalidInput> { KontextManagementClient(baseUrl = "not a url", token = "t") }
        expectError<KontextException.InvalidInput> { KontextManagementClient(baseUrl = Emu.url, token = "t", maxRetries = -1) }
    }
}
