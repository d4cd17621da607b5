package dev.kontext.mgmt

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.net.URI

/**
 * A user's test suite, written against the test kit only (`Emulator`, `EmulatorOptions`):
 * every test starts its own emulator in this process, nothing of the emulator test.sh runs.
 */
class TestKitTest {
    // -- the "user automation" under test -----------------------------------------------

    /** Creates an application and attaches a new MCP integration to it; the app's id. */
    private suspend fun provisionReviewer(client: KontextManagementClient, mcpUrl: String): String {
        val app = client.applications.create(
            CreateApplicationInput(name = "PR Reviewer", oauth = CreateApplicationOAuthInput(type = OAuthClientType.Public, redirectUris = listOf())),
        ).application
        val integration = client.integrations.create(CreateIntegrationInput(name = "GitHub", url = mcpUrl)).integration
        client.applications.attachIntegration(app.id, integration.id)
        return app.id
    }

    // -- helpers a user would write --------------------------------------------------------

    private fun publicApp(name: String) = CreateApplicationInput(name = name, oauth = CreateApplicationOAuthInput(type = OAuthClientType.Public, redirectUris = listOf()))

    // -- tests ---------------------------------------------------------------------------

    @Test
    fun `the automation runs as a provisioned service account`() = runBlocking<Unit> {
        Emulator.start().use { emu ->
            val creds = emu.createServiceAccount("ci-bot").credentials
            val client = emu.client(clientId = creds.clientId, clientSecret = creds.clientSecret)
            val appId = provisionReviewer(client, "https://mcp.example.com/sse")
            val attached = client.applications.listIntegrations(appId).integrationIds
            assertEquals(1, attached.size)

            val calls = emu.requests().map { "${it.method} ${it.path}" }.filter { " /api/" in it }
            assertEquals(
                listOf(
                    "POST /api/v1/applications",
                    "POST /api/v1/integrations",
                    "POST /api/v1/applications/$appId/integrations/${attached[0]}",
                    "GET /api/v1/applications/$appId/integrations",
                ),
                calls.takeLast(4),
            )
            val posted = JSONObject(emu.requests().last { it.path == "/api/v1/integrations" }.body)
            assertEquals(mapOf("name" to "GitHub", "url" to "https://mcp.example.com/sse"), posted.toMap())
            assertEquals(1, JSONObject(emu.stats()).getJSONObject("requests").getInt("POST /api/v1/applications"))
            // The log shows the service account's secret as "***", never the secret itself.
            assertFalse(emu.requests().any { creds.clientSecret in it.body })
        }
    }

    @Test
    fun `the SDK retries a 503 burst`() = runBlocking<Unit> {
        Emulator.start().use { emu ->
            emu.setFaults("""{"script": [{"method": "POST", "path": "/api/v1/applications", "status": 503, "count": 2}]}""")
            val appId = provisionReviewer(emu.client(maxRetries = 2), "https://mcp.example.com/sse")
            val statuses = emu.requests().filter { it.path == "/api/v1/applications" }.map { it.status.toInt() }
            assertEquals(listOf(503, 503, 201), statuses)
            assertEquals("PR Reviewer", emu.client().applications.get(appId).application.name)
        }
    }

    @Test
    fun `a 503 burst longer than the retries is a ServerException`() = runBlocking<Unit> {
        val faults = """{"script": [{"path": "/api/v1/applications", "status": 503, "count": 5}]}"""
        Emulator.start(EmulatorOptions(faults = faults)).use { emu ->
            val e = expectError<KontextException.ServerException> { runBlocking { emu.client(maxRetries = 1).applications.list() } }
            assertEquals(503, e.status)
            emu.setFaults(null)
            assertEquals(emptyList<Application>(), emu.client().applications.list().items)
        }
    }

    @Test
    fun `seeded state`() = runBlocking<Unit> {
        val seed = """{"applications": [{"name": "seeded-one"}, {"name": "seeded-two"}]}"""
        Emulator.start(EmulatorOptions(seed = seed)).use { emu ->
            assertEquals(listOf("seeded-one", "seeded-two"), emu.client().applications.list().items.map { it.name }.sorted())
            val counts = JSONObject(emu.seed("""{"integrations": [{"name": "GitHub", "url": "https://mcp.example.com/sse"}]}"""))
            assertEquals(2, counts.getInt("applications"))
            assertEquals(1, counts.getInt("integrations"))
        }
    }

    @Test
    fun `two emulators at once share nothing`() = runBlocking<Unit> {
        Emulator.start().use { first ->
            Emulator.start().use { second ->
                assertNotEquals(first.baseUrl(), second.baseUrl())
                suspend fun work(emu: Emulator, name: String): List<String> {
                    val client = emu.client()
                    client.applications.create(publicApp(name))
                    return client.applications.list().items.map { it.name }
                }
                val names = listOf(first to "only-in-first", second to "only-in-second")
                    .map { (emu, name) -> async(Dispatchers.IO) { work(emu, name) } }
                    .awaitAll()
                assertEquals(listOf(listOf("only-in-first"), listOf("only-in-second")), names)
                first.stop()
                assertFalse(first.running())
                assertTrue(second.running())
                assertEquals(1, second.client().applications.list().items.size)
            }
        }
    }

    @Test
    fun `use stops it and frees its port`() = runBlocking<Unit> {
        val emu = Emulator.start()
        val port = URI(emu.baseUrl()).port
        val client = emu.use { it.client(maxRetries = 0) }
        expectError<KontextException.ConnectionException> { runBlocking { client.applications.list() } }
        // The port is free again: a new emulator can listen on it.
        Emulator.start(EmulatorOptions(port = port.toUShort())).use { again ->
            assertEquals(port, URI(again.baseUrl()).port)
            assertEquals(emptyList<Application>(), again.client().applications.list().items, "no state carried over")
        }
    }

    @Test
    fun `reset, and a token without management scope`() = runBlocking<Unit> {
        Emulator.start().use { emu ->
            emu.client().applications.create(publicApp("temp"))
            emu.reset()
            assertEquals(emptyList<Application>(), emu.client().applications.list().items)
            val token = emu.mintToken(scope = "mcp:invoke")
            expectError<KontextException.Forbidden> { runBlocking { emu.client(token = token).applications.list() } }
        }
    }

    @Test
    fun `bad options and seeds are typed errors`() {
        val badFaults = expectError<KontextException.InvalidInput> { Emulator.start(EmulatorOptions(faults = "error_rate=7")) }
        assertTrue("faults" in badFaults.detail, badFaults.detail)
        val badSeed = """{"applications": [{"description": "no name"}]}"""
        val e = expectError<KontextException.InvalidInput> { Emulator.start(EmulatorOptions(seed = badSeed)) }
        assertTrue("seed" in e.detail, e.detail)
        expectError<KontextException.InvalidInput> { Emulator.start(EmulatorOptions(seed = "not json")) }
        Emulator.start().use { emu ->
            expectError<KontextException.InvalidInput> { emu.seed(badSeed) }
            expectError<KontextException.InvalidInput> { emu.admin("GET", "no-such-route") }
            emu.stop()
            expectError<KontextException.InvalidInput> { emu.stats() }
        }
    }
}
