package dev.kontext.mgmt

import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The newer admin surface through the typed Kotlin methods: every operation once. */
class AdminSurfaceTest {
    private val client = shared

    @Test
    fun `policy document, versions, templates, replay and the blocked list`() = runBlocking<Unit> {
        val written = try {
            client.policies.putPolicy(PolicyTextInput(policyText = "permit(principal, action, resource);"), ifNoneMatch = "*")
        } catch (e: KontextException.PreconditionFailed) {
            // Another test wrote the first version already: write on top of it.
            client.policies.putPolicy(PolicyTextInput(policyText = "permit(principal, action, resource);"), ifMatch = client.policies.getPolicy().etag)
        }
        val read = client.policies.getPolicy()
        assertEquals(written.etag, read.etag)
        assertEquals(written.policyVersionId, client.policies.getVersion(written.policyVersionId).id)
        assertTrue(client.policies.listRuleTemplates().items.isNotEmpty())
        assertEquals(1, client.policies.listVersions(limit = 1).items.size)
        assertTrue(client.policies.listVersionsAll(limit = 2).toList().isNotEmpty())
        assertEquals(7L, client.policies.replay(PolicyReplayInput(days = 7)).days)
        client.policies.listBlocked(days = 7)
    }

    @Test
    fun `settings, decisions, releases, tokens and the directory`() = runBlocking<Unit> {
        val settings = client.policies.getSettings()
        val changed = client.policies.updateSettings(
            UpdatePolicySettingsInput(payloadCaptureMode = PayloadCaptureMode.Metadata, expectedUpdatedAt = settings.updatedAt),
        )
        assertEquals(PayloadCaptureMode.Metadata, changed.payloadCaptureMode)
        val page = client.decisions.list(limit = 3, provider = "github")
        assertTrue(page.items.all { it.provider == "github" })
        assertEquals(page.items[0].id, client.decisions.get(page.items[0].id).decision.id)
        val denied = client.decisions.listAll(limit = 50, decisionResult = DecisionResult.Deny).toList()
        assertTrue(denied.isNotEmpty() && denied.all { it.decisionResult == DecisionResult.Deny })

        val versions = client.releases.listAll(limit = 2).toList().map { it.version }
        val latest = client.releases.getLatest().release
        assertTrue(latest.version in versions)
        assertTrue(client.releases.createDownloadUrl(latest.version, ArtifactKind.Package).url.startsWith("http"))

        val created = client.installTokens.create(CreateOrgTokenInput(label = "ci"))
        assertTrue(client.installTokens.list().items.any { it.sha256 == created.installToken.sha256 })
        assertTrue(client.installTokens.revoke(created.installToken.sha256).installToken.revokedAt != null)
        val scim = client.directory.createScimToken(CreateOrgTokenInput(label = "entra-prod"))
        assertTrue(client.directory.listScimTokens().items.any { it.sha256 == scim.scimToken.sha256 })
        assertTrue((client.directory.getStatus().activeTokenCount ?: 0L) >= 1L)
        client.directory.revokeScimToken(scim.scimToken.sha256)
        assertTrue(client.directory.listGroupsAll(limit = 5).toList().isNotEmpty())
        assertTrue(client.directory.getReconciliation().items.isNotEmpty())
    }
}
