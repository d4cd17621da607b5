package dev.kontext.mgmt

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class IntegrationsTest {
    private val client = shared

    @Test
    fun `create, get, list, update, validate and archive`() = runBlocking<Unit> {
        val created = client.integrations.create(
            CreateIntegrationInput(
                name = Emu.unique("github"),
                url = "https://mcp.example.com/sse",
                authMode = IntegrationAuthMode.Oauth,
                oauth = IntegrationOAuthInput(provider = "github", scopes = listOf("repo")),
                capabilities = IntegrationCapabilities(tools = true, resources = false),
                credentialSchema = mapOf("type" to "\"object\"", "required" to "[\"token\"]"),
            ),
        ).integration
        assertEquals(IntegrationAuthMode.Oauth, created.authMode)
        assertEquals("github", created.oauth?.provider)
        assertEquals(true, created.capabilities?.tools)
        assertEquals("\"object\"", created.credentialSchema?.get("type"), "open JSON arrives as JSON text")
        assertEquals("[\"token\"]", created.credentialSchema?.get("required"))
        assertFalse(created.serverTokenConfigured)

        assertEquals(created, client.integrations.get(created.id).integration)
        assertTrue(client.integrations.list(limit = 200).items.size <= 200)

        val validated = client.integrations.validate(created.id)
        assertEquals(ValidationStatus.Valid, validated.status)
        val afterValidate = client.integrations.get(created.id).integration
        assertEquals("valid", afterValidate.validationStatus)
        assertNotNull(afterValidate.oauth?.metadata, "a valid oauth integration gets discovery metadata")

        val moved = client.integrations.update(created.id, UpdateIntegrationInput(url = "http://insecure.example.com")).integration
        assertEquals("http://insecure.example.com", moved.url)
        assertNull(moved.validationStatus, "changing the url resets the validation")
        assertEquals(ValidationStatus.Invalid, client.integrations.validate(created.id).status)

        client.integrations.archive(created.id)
        expectError<KontextException.NotFound> { runBlocking { client.integrations.get(created.id) } }
    }

    @Test
    fun `oauth app override`() = runBlocking<Unit> {
        val id = client.integrations.create(CreateIntegrationInput(name = Emu.unique("oauth"), url = "https://mcp.example.com/o", authMode = IntegrationAuthMode.Oauth)).integration.id
        expectError<KontextException.NotFound> { runBlocking { client.integrations.getOAuthConfig(id) } }
        val input = IntegrationOAuthConfigInput(
            clientId = "client-1",
            clientSecret = "override-secret-value",
            authorizationUrl = "https://idp.example.com/authorize",
            tokenUrl = "https://idp.example.com/token",
            scopes = listOf("read"),
        )
        assertFalse("override-secret-value" in input.toString(), "secret input fields are masked too")
        val set = client.integrations.setOAuthConfig(id, input).oauth
        assertEquals("client-1", set.clientId)
        assertTrue(set.clientSecretConfigured)
        assertEquals(set, client.integrations.getOAuthConfig(id).oauth)
        client.integrations.deleteOAuthConfig(id)
        expectError<KontextException.NotFound> { runBlocking { client.integrations.getOAuthConfig(id) } }
    }

    @Test
    fun `connections of a user_token integration`() = runBlocking<Unit> {
        val id = client.integrations.create(CreateIntegrationInput(name = Emu.unique("tok"), url = "https://mcp.example.com/t", authMode = IntegrationAuthMode.UserToken)).integration.id
        val before = client.integrations.getConnectionStatus(id).connection
        assertEquals(ConnectionState.NotConnected, before.status)
        assertFalse(before.connected)

        val added = client.integrations.addConnection(id, AddConnectionInput(token = "user-token-value", displayName = "me")).connection
        assertEquals(ConnectionState.Connected, added.status)
        assertTrue(added.connected)
        assertEquals("me", added.displayName)
        assertEquals(added, client.integrations.getConnectionStatus(id).connection)

        client.integrations.revokeConnection(id)
        assertFalse(client.integrations.getConnectionStatus(id).connection.connected)
    }

    @Test
    fun `server token integrations never print the token`() = runBlocking<Unit> {
        val input = CreateIntegrationInput(name = Emu.unique("srv"), url = "https://mcp.example.com/s", authMode = IntegrationAuthMode.ServerToken, serverToken = "server-token-value")
        assertFalse("server-token-value" in input.toString())
        val created = client.integrations.create(input).integration
        assertTrue(created.serverTokenConfigured)
    }
}
