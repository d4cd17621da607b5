package dev.kontext.mgmt

import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PaginationTest {
    private val client = shared
    private val prefix = Emu.unique("page")
    private val listRoute = "GET /api/v1/service-accounts"

    @BeforeAll
    fun create() = runBlocking<Unit> {
        repeat(12) { i -> client.serviceAccounts.create(CreateServiceAccountInput(name = "$prefix-$i")) }
    }

    private fun listCalls(): Int = Emu.stats()[listRoute] ?: 0

    @Test
    fun `listAll walks every page lazily`() = runBlocking<Unit> {
        val total = client.serviceAccounts.listAll(limit = 200).toList()
        assertEquals(total.map { it.id }.toSet().size, total.size, "no item twice")
        assertEquals(12, total.count { it.name.startsWith(prefix) })

        val before = listCalls()
        val walked = client.serviceAccounts.listAll(limit = 5).toList()
        assertEquals(total.map { it.id }, walked.map { it.id })
        val pages = (total.size + 4) / 5
        assertEquals(pages, listCalls() - before, "one request per page")
        assertEquals(pages, client.serviceAccounts.listPages(limit = 5).toList().size)
    }

    @Test
    fun `taking a few items fetches one page`() = runBlocking<Unit> {
        val before = listCalls()
        val first = client.serviceAccounts.listAll(limit = 5).take(3).toList()
        assertEquals(3, first.size)
        assertEquals(1, listCalls() - before)
    }

    @Test
    fun `a pager resumes from its cursor`() = runBlocking<Unit> {
        val all = client.serviceAccounts.listAll(limit = 200).toList()
        client.serviceAccounts.listPager(limit = 5).use { pager ->
            val first = pager.nextPage()
            assertNotNull(first)
            val cursor = pager.resumeCursor()
            assertNotNull(cursor)
            val rest = client.serviceAccounts.listAll(limit = 5, cursor = cursor).toList()
            assertEquals(all.map { it.id }, (first!!.items + rest).map { it.id })
        }
        client.serviceAccounts.listPager(limit = 200).use { pager ->
            assertTrue(pager.nextPage()!!.items.isNotEmpty())
            assertNull(pager.nextPage(), "after the last page")
            assertNull(pager.resumeCursor())
        }
    }

    @Test
    fun `applications and integrations page the same way`() = runBlocking<Unit> {
        val apps = client.applications.listAll(limit = 3).toList()
        assertEquals(client.applications.listPages(limit = 200).toList().flatMap { it.items }.map { it.id }, apps.map { it.id })
        val integrations = client.integrations.listAll(limit = 3).toList()
        assertEquals(integrations.map { it.id }.toSet().size, integrations.size)
    }

    @Test
    fun `an invalid page size fails when collected`() {
        val flow = client.serviceAccounts.listAll(limit = 0)
        expectError<KontextException.InvalidInput> { runBlocking { flow.toList() } }
    }
}
