package dev.kontext.mgmt

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Order
import org.junit.jupiter.api.Test
import java.io.File

/**
 * Runs last: every operation of the spec (from the generated `openapi/operations.md`) exists
 * as `client.<namespace>.<method>` in Kotlin and was called by the tests above.
 */
@Order(Int.MAX_VALUE)
class CoverageTest {
    private data class Op(val http: String, val namespace: String, val method: String)

    private fun operations(): List<Op> {
        val root = System.getProperty("kontext.repo.root") ?: "../../.."
        val doc = File(root, "openapi/operations.md").readText()
        val row = Regex("""^\| `([A-Z]+ [^`]+)` \|.*\| `client\.(\w+)\.(\w+)\(\)` \|[^|]*\|$""", RegexOption.MULTILINE)
        return row.findAll(doc).map { Op(it.groupValues[1], it.groupValues[2], it.groupValues[3]) }.toList()
    }

    private fun template(route: String) = route.replace(Regex("\\{[^}]+}"), "{}")

    @Test
    fun `every operation is a method and was exercised`() {
        val ops = operations()
        assertTrue(ops.size >= 39, "read ${ops.size} operations")
        val namespaces = ops.map { it.namespace }.toSet()
        assertEquals(11, namespaces.size)

        val hit = Emu.stats().filterValues { it > 0 }.keys.map(::template).toSet()
        val missing = mutableListOf<String>()
        for (op in ops) {
            val accessor = KontextManagementClient::class.java.methods.single { it.name == "ns" + op.namespace.replaceFirstChar(Char::uppercase) }
            val hasMethod = accessor.returnType.methods.any { it.name == op.method }
            assertTrue(hasMethod, "client.${op.namespace}.${op.method} is missing")
            val (verb, path) = op.http.split(" ", limit = 2)
            if (template("$verb /api/v1$path") !in hit) missing += "client.${op.namespace}.${op.method} (${op.http})"
        }
        assertEquals(emptyList<String>(), missing, "operations no test called")
    }
}
