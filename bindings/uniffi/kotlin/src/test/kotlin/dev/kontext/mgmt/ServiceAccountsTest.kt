package dev.kontext.mgmt

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class ServiceAccountsTest {
    private val client = shared

    @Test
    fun `create, authenticate, rotate and revoke`() = runBlocking<Unit> {
        val created = client.serviceAccounts.create(CreateServiceAccountInput(name = Emu.unique("ci-bot"), description = "tests"))
        val sa = created.serviceAccount
        val secret = created.credentials.clientSecret
        assertEquals(sa.clientId, created.credentials.clientId)
        assertFalse(secret in created.toString(), "the secret must not print")

        assertEquals(sa, client.serviceAccounts.get(sa.id).serviceAccount)
        assertTrue(client.serviceAccounts.list(limit = 200).items.size <= 200)

        // The new credentials work on their own.
        KontextManagementClient(baseUrl = Emu.url, clientId = created.credentials.clientId, clientSecret = secret, maxRetries = 0).use { own ->
            assertEquals(sa.id, own.serviceAccounts.get(sa.id).serviceAccount.id)
        }

        val rotated = client.serviceAccounts.rotateSecret(sa.id).credentials
        assertNotEquals(secret, rotated.clientSecret)
        KontextManagementClient(baseUrl = Emu.url, clientId = created.credentials.clientId, clientSecret = secret, maxRetries = 0).use { old ->
            val e = expectError<KontextException.Unauthorized> { runBlocking { old.serviceAccounts.get(sa.id) } }
            assertFalse(secret in e.toString() || secret in e.message.orEmpty(), "the secret must not appear in errors")
        }
        KontextManagementClient(baseUrl = Emu.url, clientId = created.credentials.clientId, clientSecret = rotated.clientSecret, maxRetries = 0).use { fresh ->
            fresh.refreshToken()
            assertEquals(sa.id, fresh.serviceAccounts.get(sa.id).serviceAccount.id)
        }

        client.serviceAccounts.revoke(sa.id)
        expectError<KontextException.NotFound> { runBlocking { client.serviceAccounts.get(sa.id) } }
    }
}
