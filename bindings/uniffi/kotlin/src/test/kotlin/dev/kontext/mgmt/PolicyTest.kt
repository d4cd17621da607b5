package dev.kontext.mgmt

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The Cedar policy workflow through the typed surface: `etag` on results, `ifMatch` arguments. */
class PolicyTest {
    private val client = shared

    @Test
    fun `a stale etag is PreconditionFailed, a fresh one wins, a missing one is PreconditionRequired`() = runBlocking<Unit> {
        val read = client.policies.getDeployment()
        val etag = read.etag!!
        assertTrue(etag.startsWith("\"") && etag.endsWith("\""), etag)
        val added = client.policies.applyAction(PolicyActionInput(action = PolicyActionKind.Add, templateId = "block-rm-rf"), ifMatch = etag)
        assertNotEquals(etag, added.etag)
        val policyId = added.observing.policies!!.last().policyId

        val enforce = PolicyActionInput(action = PolicyActionKind.Enforce, policyId = policyId)
        val stale = expectError<KontextException.PreconditionFailed> { runBlocking { client.policies.applyAction(enforce, ifMatch = etag) } }
        assertEquals(412, stale.status)
        assertEquals("PreconditionFailed", stale.kind)
        val missing = expectError<KontextException.PreconditionRequired> { runBlocking { client.policies.applyAction(enforce) } }
        assertEquals(428, missing.status)

        val fresh = client.policies.getDeployment()
        assertEquals(added.etag, fresh.etag)
        val enforced = client.policies.applyAction(enforce, ifMatch = fresh.etag)
        assertTrue(enforced.enforced.policies!!.any { it.policyId == policyId })
    }

    @Test
    fun `invalid Cedar is refused with typed diagnostics`() = runBlocking<Unit> {
        val checked = client.policies.validate(PolicyTextInput(policyText = "permitt(principal, action, resource);"))
        assertFalse(checked.valid!!)
        val finding = checked.diagnostics!!.first()
        assertEquals(Pair(0L, 7L), Pair(finding.start, finding.end))
        // A write with a stale version is refused before the text is read; the diagnostics
        // of an error come from a 422.
        val e = expectError<KontextException.PreconditionFailed> {
            runBlocking { client.policies.putPolicy(PolicyTextInput(policyText = "permit(principal, action, resource);"), ifMatch = "\"stale\"") }
        }
        assertTrue(e.diagnostics().isEmpty())
    }
}
