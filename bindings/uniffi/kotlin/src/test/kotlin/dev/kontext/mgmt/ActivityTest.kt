package dev.kontext.mgmt

import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.time.Instant
import java.util.UUID

/** Sessions, traces, events and policies: the emulator seeds them (the API cannot create them). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ActivityTest {
    private val client = shared
    private lateinit var appId: String
    private val active = UUID.randomUUID().toString()
    private val idle = UUID.randomUUID().toString()
    private val gone = UUID.randomUUID().toString()
    private val traceIds = (1..5).map { "trace-${UUID.randomUUID()}" }
    private val eventId = "event-${UUID.randomUUID()}"

    @BeforeAll
    fun seed() = runBlocking<Unit> {
        appId = client.applications.create(
            CreateApplicationInput(name = Emu.unique("agent"), oauth = CreateApplicationOAuthInput(redirectUris = listOf("https://example.com/cb"))),
        ).application.id
        val now = Instant.now()
        val sessions = listOf(
            """{"id": "$active", "agentId": "$appId", "name": "swift-falcon", "status": "active", "derivedStatus": "active", "lastActiveAt": "$now", "hostname": "laptop", "userAgent": "claude-code/1.0", "clientInfo": {"name": "claude-code", "version": 2}}""",
            """{"id": "$idle", "agentId": "$appId", "status": "active", "derivedStatus": "idle"}""",
            """{"id": "$gone", "agentId": "$appId", "status": "disconnected"}""",
        )
        val events = """{"id": "$eventId", "traceId": "${traceIds[0]}", "sessionId": "$active", "status": "error_remote", "toolName": "search", "durationMs": 12, "requestJson": {"q": "x"}, "responseJson": [1, 2]}"""
        val traces = traceIds.mapIndexed { i, t -> """{"traceId": "$t", "sessionId": "$active", "agentId": "$appId", "startedAt": "${now.minusSeconds(60L * i)}"}""" }
        Emu.seed(
            """{"sessions": [${sessions.joinToString()}], "events": [$events], "traces": [${traces.joinToString()}],
               "policy": {"policyEnabled": true, "rules": [{"action": "deny", "scope": "tool", "level": "org", "toolName": "rm"}]}}""",
        )
    }

    @Test
    fun `agent sessions`() = runBlocking<Unit> {
        val live = client.agentSessions.list(appId).items.map { it.id }.toSet()
        assertEquals(setOf(active, idle), live, "by default only active sessions are listed")
        val all = client.agentSessions.list(appId, status = SessionStatusFilter.All).items
        assertEquals(setOf(active, idle, gone), all.map { it.id }.toSet())
        assertEquals(3, client.agentSessions.list(appId, includeInactive = true).items.size)

        val session = client.agentSessions.get(appId, active).session
        assertEquals("swift-falcon", session.name)
        assertEquals(SessionStatus.Active, session.status)
        assertEquals(SessionDerivedStatus.Active, session.derivedStatus)
        assertEquals("laptop", session.hostname)
        assertEquals("\"claude-code\"", session.clientInfo?.get("name"))
        assertEquals("2", session.clientInfo?.get("version"))
        assertEquals(appId, session.agentId)
        assertEquals(SessionDerivedStatus.Disconnected, client.agentSessions.get(appId, gone).session.derivedStatus)

        val revoked = client.agentSessions.revokeAll(appId)
        assertTrue(revoked.success)
        assertEquals(2L, revoked.disconnectedCount)
        assertEquals(emptyList<Session>(), client.agentSessions.list(appId).items)
    }

    @Test
    fun `traces, with offset pagination`() = runBlocking<Unit> {
        val page = client.traces.list(agentId = appId, limit = 2)
        assertEquals(traceIds.take(2), page.items.map { it.traceId }, "newest first")
        val walked = client.traces.listAll(agentId = appId, limit = 2).toList()
        assertEquals(traceIds, walked.map { it.traceId })
        assertEquals(3, client.traces.listPages(agentId = appId, limit = 2).toList().size)

        val detail = client.traces.get(traceIds[0])
        assertEquals(traceIds[0], detail.trace.traceId)
        assertEquals(listOf(eventId), detail.events.map { it.id })
        assertEquals(1L, detail.trace.errorCount)
        assertNull(detail.trace.endedAt)

        val stats = client.traces.stats(period = StatsPeriod.P30d)
        assertTrue(stats.totalTraces >= 5)
        assertTrue(stats.errorRate > 0.0 && stats.errorRate <= 100.0, "errorRate is a percentage: ${stats.errorRate}")
    }

    @Test
    fun `events keep open JSON as text`() = runBlocking<Unit> {
        val event = client.events.list(limit = 100).items.first { it.id == eventId }
        assertEquals(EventStatus.ErrorRemote, event.status)
        assertEquals("{\"q\":\"x\"}", event.requestJson)
        assertEquals("[1,2]", event.responseJson)
        assertEquals(12L, event.durationMs)
        assertNotNull(event.createdAt)
    }

    @Test
    fun policies() = runBlocking<Unit> {
        assertTrue(client.policies.getSettings().policyEnabled)
        val rules = client.policies.listRules()
        assertEquals(listOf(PolicyRule(action = PolicyAction.Deny, scope = PolicyScope.Tool, level = PolicyLevel.Org, toolName = "rm")), rules)
    }
}
