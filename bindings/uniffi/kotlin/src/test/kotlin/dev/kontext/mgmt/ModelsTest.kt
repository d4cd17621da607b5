package dev.kontext.mgmt

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration
import java.time.Instant
import java.util.UUID

class ModelsTest {
    private val client = shared

    @Test
    fun `enums know their wire values and keep unknown ones`() {
        assertEquals(StatsPeriod.P7d, StatsPeriod.fromWire("7d"))
        assertEquals("7d", StatsPeriod.P7d.wireValue)
        assertEquals("not_connected", ConnectionState.NotConnected.wireValue)
        val future = ConnectionState.fromWire("paused")
        assertEquals(ConnectionState.Unknown("paused"), future)
        assertEquals("paused", future.wireValue)
    }

    @Test
    fun `unknown response fields are kept in extra`() = runBlocking<Unit> {
        val id = "event-${UUID.randomUUID()}"
        Emu.seed("""{"events": [{"id": "$id", "status": "ok", "futureField": {"nested": [1, true]}}]}""")
        val event = client.events.list(limit = 200).items.first { it.id == id }
        assertEquals(mapOf("futureField" to "{\"nested\":[1,true]}"), event.extra)
    }

    @Test
    fun `extra fields are sent along`() = runBlocking<Unit> {
        val name = Emu.unique("extra")
        client.serviceAccounts.create(CreateServiceAccountInput(name = name, extra = mapOf("futureFlag" to "true")))
        val log = Emu.admin("GET", "/_emulator/requests?limit=20")
        assertTrue(Regex("\"name\":\"$name\"[^}]*\"futureFlag\":true|\"futureFlag\":true[^}]*\"name\":\"$name\"").containsMatchIn(log), log)
    }

    @Test
    fun `date-times are instants`() = runBlocking<Unit> {
        val before = Instant.now().minusSeconds(5)
        val app = client.applications.create(
            CreateApplicationInput(name = Emu.unique("time"), oauth = CreateApplicationOAuthInput(redirectUris = listOf("https://example.com/cb"))),
        ).application
        assertTrue(app.createdAt.isAfter(before) && app.createdAt.isBefore(Instant.now().plus(Duration.ofSeconds(5))), "${app.createdAt}")
    }

    @Test
    fun `records are immutable values`() {
        val a = CreateServiceAccountInput(name = "a")
        val b = a.copy(description = "d")
        assertNotEquals(a, b)
        assertEquals(a, b.copy(description = null))
        assertEquals("CreateServiceAccountInput(name=a, description=null, extra={})", a.toString())
    }
}
