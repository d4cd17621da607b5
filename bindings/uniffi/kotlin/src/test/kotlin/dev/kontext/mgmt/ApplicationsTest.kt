package dev.kontext.mgmt

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class ApplicationsTest {
    private val client = shared

    private suspend fun newApp(type: OAuthClientType = OAuthClientType.Confidential): CreateApplicationResponse =
        client.applications.create(
            CreateApplicationInput(
                name = Emu.unique("app"),
                description = "made by the Kotlin tests",
                oauth = CreateApplicationOAuthInput(type = type, redirectUris = listOf("https://example.com/cb"), scopes = listOf("mcp:invoke")),
            ),
        )

    @Test
    fun `create, get, list and archive`() = runBlocking<Unit> {
        val created = newApp()
        val app = created.application
        assertTrue(app.id.isNotEmpty())
        assertEquals("made by the Kotlin tests", app.description)
        assertEquals(OAuthClientType.Confidential, created.oauth.type)
        assertEquals(listOf("https://example.com/cb"), created.oauth.redirectUris)
        assertNotNull(created.oauth.clientSecret, "a confidential application gets a secret on create")

        val got = client.applications.get(app.id).application
        assertEquals(app.id, got.id)
        assertEquals(app.name, got.name)
        assertEquals(app.createdAt, got.createdAt)

        val page = client.applications.list(limit = 200)
        assertTrue(page.items.size <= 200)

        client.applications.archive(app.id)
        val e = expectError<KontextException.NotFound> { runBlocking { client.applications.get(app.id) } }
        assertEquals(404, e.status)
    }

    @Test
    fun `update, and clear a nullable field`() = runBlocking<Unit> {
        val app = newApp().application
        val newName = Emu.unique("renamed")
        val updated = client.applications.update(app.id, UpdateApplicationInput(name = newName)).application
        assertEquals(newName, updated.name)
        assertEquals("made by the Kotlin tests", updated.description, "fields left unset are not sent")

        val cleared = client.applications.update(app.id, UpdateApplicationInput(clearDescription = true)).application
        assertNull(cleared.description, "clearDescription sends description: null")
        assertEquals(newName, cleared.name)
    }

    @Test
    fun `oauth configuration and secret rotation`() = runBlocking<Unit> {
        val created = newApp()
        val id = created.application.id
        val oauth = client.applications.getOAuth(id).oauth
        assertNull(oauth.clientSecret, "the secret is shown only on create and rotate")
        assertEquals(created.oauth.clientId, oauth.clientId)

        val rotated = client.applications.rotateSecret(id).oauth
        assertNotNull(rotated.clientSecret)
        assertNotEquals(created.oauth.clientSecret, rotated.clientSecret)

        val changed = client.applications.updateOAuth(id, UpdateApplicationOAuthInput(redirectUris = listOf("https://a.example/cb", "https://b.example/cb"), pkceRequired = true)).oauth
        assertEquals(listOf("https://a.example/cb", "https://b.example/cb"), changed.redirectUris)
        assertTrue(changed.pkceRequired)
    }

    @Test
    fun `integrations of an application`() = runBlocking<Unit> {
        val app = newApp().application
        val i1 = client.integrations.create(CreateIntegrationInput(name = Emu.unique("int"), url = "https://mcp.example.com/a")).integration
        val i2 = client.integrations.create(CreateIntegrationInput(name = Emu.unique("int"), url = "https://mcp.example.com/b")).integration

        assertEquals(emptyList<String>(), client.applications.listIntegrations(app.id).integrationIds)
        assertEquals(listOf(i1.id), client.applications.setIntegrations(app.id, IntegrationIdList(integrationIds = listOf(i1.id))).integrationIds)
        val attached = client.applications.attachIntegration(app.id, i2.id).integrationIds
        assertEquals(setOf(i1.id, i2.id), attached.toSet())
        client.applications.detachIntegration(app.id, i1.id)
        assertEquals(listOf(i2.id), client.applications.listIntegrations(app.id).integrationIds)

        val graph = client.applications.accessGraph()
        assertTrue(graph.nodes.any { it.id == app.id && it.type == AccessGraphNodeType.Application })
        assertTrue(graph.nodes.any { it.id == i2.id && it.type == AccessGraphNodeType.Integration })
        assertTrue(graph.edges.any { it.from == app.id && it.to == i2.id })
        assertFalse(graph.edges.any { it.from == app.id && it.to == i1.id })
    }

    @Test
    fun `secrets never print`() = runBlocking<Unit> {
        val created = newApp()
        val secret = created.oauth.clientSecret!!
        for (text in listOf(created.toString(), created.oauth.toString())) {
            assertFalse(secret in text, "the secret leaked into toString: $text")
            assertTrue("clientSecret=********" in text, text)
        }
        assertTrue(created.oauth.clientId in created.oauth.toString(), "other fields still print")
    }
}
