package dev.kontext.mgmt

// The API-change drill, Kotlin side (tests/drill/README.md): copied into the drill's copy
// of the Kotlin project and run with `mvn test -Dtest=DrillTest` against the regenerated
// binding. Reads KONTEXT_EMULATOR_URL, KONTEXT_DRILL_APP, KONTEXT_DRILL_WIDGET; prints one JSON line.

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class DrillTest {
    @Test
    fun newOperationAndField() = runBlocking {
        val env = System.getenv()
        val client = KontextManagementClient(
            baseUrl = env.getValue("KONTEXT_EMULATOR_URL"),
            clientId = "sa_11111111-1111-4111-8111-111111111111",
            clientSecret = "kontext-emulator-secret",
        )
        // The new optional field on Application: a typed Record field, not an `extra` entry.
        val app: Application = client.applications.get(env.getValue("KONTEXT_DRILL_APP")).application
        val color: String? = app.color
        val copied = app.copy(color = "navy")
        assertTrue(app.extra.isEmpty(), "color must be typed, not extra: ${app.extra}")
        // The new operation of the new tag, with its new schema.
        val request = SpinRequest(speed = 3L, direction = SpinDirection.Clockwise)
        var error = "none"
        var status = 0
        try {
            client.widgets.spin(env.getValue("KONTEXT_DRILL_WIDGET"), request)
        } catch (e: KontextException.NotFound) {
            error = e.kind
            status = e.status
        }
        assertEquals("NotFound", error)
        println("""DRILL {"language": "kotlin", "color": "$color", "encodedColor": "$color", "decodedColor": "${copied.copy(color = color).color}", "error": "$error", "status": $status}""")
    }
}
