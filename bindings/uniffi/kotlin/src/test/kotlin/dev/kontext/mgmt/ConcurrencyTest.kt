package dev.kontext.mgmt

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class ConcurrencyTest {
    private val client = shared

    @AfterEach
    fun clearFaults() = Emu.clearFaults()

    @Test
    fun `64 coroutines share one client`() = runBlocking<Unit> {
        val prefix = Emu.unique("conc")
        val created = withContext(Dispatchers.Default) {
            (0 until 64).map { i ->
                async { client.serviceAccounts.create(CreateServiceAccountInput(name = "$prefix-$i")).serviceAccount }
            }.awaitAll()
        }
        assertEquals(64, created.map { it.id }.toSet().size)
        val fetched = withContext(Dispatchers.Default) {
            created.map { sa -> async { client.serviceAccounts.get(sa.id).serviceAccount } }.awaitAll()
        }
        assertEquals(created, fetched)
    }

    @Test
    fun `64 slow calls overlap instead of queueing`() = runBlocking<Unit> {
        val id = client.applications.create(
            CreateApplicationInput(name = Emu.unique("slow"), oauth = CreateApplicationOAuthInput(redirectUris = listOf("https://example.com/cb"))),
        ).application.id
        val delayMs = 1000L
        Emu.faults("""{"script": [{"method": "GET", "path": "/api/v1/applications/$id", "count": 64, "delayMs": $delayMs}]}""")
        val started = System.nanoTime()
        val results = (0 until 64).map { async(Dispatchers.Default) { client.applications.get(id).application.id } }.awaitAll()
        val elapsedMs = (System.nanoTime() - started) / 1_000_000
        assertEquals(List(64) { id }, results)
        // Sequentially this takes 64 x delay; in flight together about one delay. The bound
        // (16 delays) leaves a loaded machine 15 s of scheduling slack and still fails if
        // the calls queue behind each other.
        assertTrue(elapsedMs < 64 * delayMs / 4, "64 calls of ${delayMs}ms took ${elapsedMs}ms")
    }
}
