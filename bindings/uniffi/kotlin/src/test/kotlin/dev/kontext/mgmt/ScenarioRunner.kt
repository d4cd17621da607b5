package dev.kontext.mgmt

// Conformance runner for the Kotlin binding (tests/scenarios/README.md), run by
// tests/runners/kotlin_runner.sh (`mvn test -Dtest=ScenarioRunner`; the name keeps it out of
// the default JUnit suite). Every API step goes through the uniffi binding: the generic
// `client.callJson(opId, path, queryJson, bodyJson)` / `client.pagerJson(...)`, the core's
// error mapping (`KontextException.kind` / `status`) and `withOptions`. Reads
// KONTEXT_EMULATOR_URL and KONTEXT_SCENARIO_OUT (and KONTEXT_SCENARIO_DIR, a selection of
// scenarios, when set); writes the normalized transcript.

import kotlinx.coroutines.runBlocking
import java.lang.reflect.InvocationTargetException
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import org.json.JSONArray
import org.json.JSONObject
import org.json.JSONTokener
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File
import java.math.BigDecimal
import java.math.BigInteger
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration

private const val CLIENT_ID = "sa_11111111-1111-4111-8111-111111111111"
private const val CLIENT_SECRET = "kontext-emulator-secret"
private val UUID = Regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
private val TIMESTAMP = Regex("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}")
private val VOLATILE_KEY = Regex("secret|token|cursor|requestid|sha256", RegexOption.IGNORE_CASE)
private val VAR = Regex("\\$\\{(\\w+)\\}")
private object Missing

private fun parse(text: String): Any = JSONTokener(text).nextValue()

/** Compact JSON, keys sorted by code unit, integral numbers as integers (as JSON.stringify). */
private fun dump(v: Any?): String = StringBuilder().also { dumpTo(it, v) }.toString()

private fun dumpTo(sb: StringBuilder, v: Any?) {
    when (v) {
        null, JSONObject.NULL, Missing -> sb.append("null")
        is JSONObject -> {
            sb.append('{')
            v.keySet().sorted().forEachIndexed { i, k ->
                if (i > 0) sb.append(',')
                dumpString(sb, k); sb.append(':'); dumpTo(sb, v.opt(k))
            }
            sb.append('}')
        }
        is JSONArray -> {
            sb.append('[')
            for (i in 0 until v.length()) { if (i > 0) sb.append(','); dumpTo(sb, v.opt(i)) }
            sb.append(']')
        }
        is String -> dumpString(sb, v)
        is Boolean -> sb.append(v)
        is Int, is Long, is BigInteger -> sb.append(v)
        is Number -> {
            val d = if (v is BigDecimal) v else BigDecimal(v.toString())
            if (d.signum() == 0 || d.stripTrailingZeros().scale() <= 0) sb.append(d.toBigInteger()) else sb.append(d.toDouble())
        }
        else -> error("not JSON: ${v::class}")
    }
}

private fun dumpString(sb: StringBuilder, s: String) {
    sb.append('"')
    for (c in s) when {
        c == '"' -> sb.append("\\\"")
        c == '\\' -> sb.append("\\\\")
        c == '\n' -> sb.append("\\n")
        c == '\r' -> sb.append("\\r")
        c == '\t' -> sb.append("\\t")
        c == '\b' -> sb.append("\\b")
        c == '\u000c' -> sb.append("\\f")
        c < ' ' -> sb.append("\\u%04x".format(c.code))
        else -> sb.append(c)
    }
    sb.append('"')
}

private class Normalizer(val base: String) {
    val seen = HashMap<Pair<String, String>, Int>()
    val counts = HashMap<String, Int>()

    fun num(kind: String, value: String): String {
        val n = seen.getOrPut(kind to value) { (counts[kind] ?: 0).plus(1).also { counts[kind] = it } }
        return "<$kind:$n>"
    }

    fun value(v: Any?, key: String = ""): Any? = when (v) {
        is JSONObject -> JSONObject().also { out -> v.keySet().sorted().forEach { k -> out.put(k, value(v.opt(k), k)) } }
        is JSONArray -> JSONArray().also { out -> for (i in 0 until v.length()) out.put(value(v.opt(i), key)) }
        is String -> when {
            TIMESTAMP.containsMatchIn(v) -> "<timestamp>"
            VOLATILE_KEY.containsMatchIn(key) && !UUID.matches(v) -> num("secret", v)
            else -> UUID.replace(v.replace(base, "<base>")) { num("uuid", it.value) }
        }
        else -> v
    }
}

private fun pointer(doc: Any?, ptr: String): Any? {
    if (ptr.isEmpty()) return doc
    var cur = doc
    for (raw in ptr.substring(1).split('/')) {
        val part = raw.replace("~1", "/").replace("~0", "~")
        cur = when (cur) {
            is JSONObject -> if (cur.has(part)) cur.opt(part) else return Missing
            is JSONArray -> part.toIntOrNull()?.takeIf { it in 0 until cur.length() }?.let { cur.opt(it) } ?: return Missing
            else -> return Missing
        }
    }
    return cur
}

private fun subst(v: Any?, env: Map<String, Any?>): Any? = when (v) {
    is String -> VAR.matchEntire(v)?.let { env[it.groupValues[1]] }
        ?: VAR.replace(v) { m -> env[m.groupValues[1]].let { x -> if (x is String) x else dump(x) } }
    is JSONArray -> JSONArray().also { out -> for (i in 0 until v.length()) out.put(subst(v.opt(i), env)) }
    is JSONObject -> JSONObject().also { out -> v.keySet().forEach { k -> out.put(k, subst(v.opt(k), env)) } }
    else -> v
}

private sealed class Outcome {
    class Ok(val body: Any?) : Outcome()
    class Err(val kind: String, val status: Int?, val said: JSONObject) : Outcome()
}

/**
 * The typed answer of `op` (`client.<namespace>.<method>(path…)`, the other parameters left
 * to their null defaults), found by reflection: the same call a user makes.
 */
private suspend fun callTyped(client: KontextManagementClient, op: String, path: List<String>): Any? {
    val (namespace, method) = op.split('_', limit = 2)
    val ns = client.javaClass.getMethod("ns" + namespace.replaceFirstChar { it.uppercase() }).invoke(client)
    val m = ns.javaClass.methods.single { it.name == method && it.parameterTypes.lastOrNull() == Continuation::class.java }
    val args = arrayOfNulls<Any?>(m.parameterCount - 1)
    path.forEachIndexed { i, p -> args[i] = p }
    return suspendCoroutineUninterceptedOrReturn { cont ->
        try {
            m.invoke(ns, *args, cont)
        } catch (e: InvocationTargetException) {
            throw e.targetException
        }
    }
}

private fun snake(name: String): String = name.replace(Regex("(?<=[a-z0-9])([A-Z])"), "_$1").lowercase()

/**
 * What the typed record reads at the wire pointer `ptr` (known fields through their getters,
 * unknown ones through `extra`), as JSON, and whether it is an `Unknown(value)` enum variant.
 */
private fun typedRead(root: Any?, ptr: String): Pair<Any?, Boolean> {
    var cur: Any? = root
    for (raw in ptr.substring(1).split('/')) {
        val part = raw.replace("~1", "/").replace("~0", "~")
        val at = cur
        cur = when {
            at == null || at === Missing -> return null to false
            at is List<*> -> part.toIntOrNull()?.let { at.getOrNull(it) } ?: Missing
            at is Map<*, *> -> if (at.containsKey(part)) at[part] else Missing
            at is JSONObject -> if (at.has(part)) at.opt(part) else Missing
            at is JSONArray -> part.toIntOrNull()?.takeIf { it in 0 until at.length() }?.let { at.opt(it) } ?: Missing
            else -> {
                val getter = at.javaClass.methods.firstOrNull { it.parameterCount == 0 && it.name == "get" + part.replaceFirstChar { c -> c.uppercase() } }
                if (getter != null) getter.invoke(at)
                else {
                    val extra = at.javaClass.methods.firstOrNull { it.parameterCount == 0 && it.name == "getExtra" }?.invoke(at) as? Map<*, *>
                    (extra?.get(part) as? String)?.let(::parse) ?: Missing
                }
            }
        }
    }
    val v = cur
    return when {
        v == null || v === Missing -> null to false
        v is String || v is Boolean || v is Number || v is JSONObject || v is JSONArray -> v to false
        v is java.time.Instant -> v.toString() to false
        v is Enum<*> -> snake(v.name) to false
        // A variant of an enum with data (a sealed class): `Unknown(value)` or a known object.
        v.javaClass.superclass == v.javaClass.enclosingClass && v.javaClass.enclosingClass != null ->
            if (v.javaClass.simpleName == "Unknown") v.javaClass.getMethod("getValue").invoke(v) to true
            else snake(v.javaClass.simpleName) to false
        else -> v.toString() to false
    }
}

class ScenarioRunner {
    private val http: HttpClient = HttpClient.newHttpClient()
    /** The typed answer of the last step with a `read` list, by operation. */
    private val typed = HashMap<String, Any?>()
    private val admins = mapOf(
        "seed" to ("POST" to "/_emulator/seed"), "faults" to ("PUT" to "/_emulator/faults"),
        "tokens" to ("POST" to "/_emulator/tokens"), "stats" to ("GET" to "/_emulator/stats"),
        "reset" to ("POST" to "/_emulator/reset"),
    )

    private fun admin(url: String, method: String, path: String, body: Any? = null): Any? {
        val publisher = if (body == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(dump(body))
        val request = HttpRequest.newBuilder(URI.create(url + path)).method(method, publisher)
            .header("content-type", "application/json").build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() in 200..299) { "admin $method $path: ${response.statusCode()}" }
        return if (response.body().isEmpty()) JSONObject.NULL else parse(response.body())
    }

    private suspend fun runStep(url: String, client: KontextManagementClient, step: JSONObject): Pair<String, Outcome> {
        step.optString("admin").takeIf { it.isNotEmpty() }?.let { kind ->
            val (method, path) = admins[kind] ?: error("unknown admin step $kind")
            return "admin:$kind" to Outcome.Ok(admin(url, method, path, step.opt("body")))
        }
        val op = step.getString("op")
        try {
            var c = client
            step.optJSONObject("client")?.let { cfg ->
                c = if (cfg.has("token")) KontextManagementClient(baseUrl = url, token = cfg.getString("token"))
                else KontextManagementClient(
                    baseUrl = url, clientId = cfg.optString("clientId", CLIENT_ID), clientSecret = cfg.optString("clientSecret", CLIENT_SECRET),
                    scopes = cfg.optJSONArray("scopes")?.let { a -> (0 until a.length()).map { a.getString(it) } },
                )
            }
            step.optJSONObject("options")?.let { o ->
                val timeout = if (o.has("timeout")) Duration.ofNanos((o.getDouble("timeout") * 1e9).toLong()) else null
                c = c.withOptions(timeout = timeout, maxRetries = if (o.has("maxRetries")) o.getInt("maxRetries") else null)
            }
            val path = step.optJSONArray("path")?.let { a -> (0 until a.length()).map { a.getString(it) } } ?: emptyList()
            val query = dump(step.optJSONObject("query") ?: JSONObject())
            if (step.optBoolean("walk")) {
                val pager = c.pagerJson(op, path, query)
                val items = JSONArray()
                while (true) {
                    val page = pager.nextPage() ?: break
                    (parse(page) as? JSONObject)?.optJSONArray("items")?.forEach { items.put(it) }
                }
                return op to Outcome.Ok(JSONObject().put("items", items))
            }
            val body = if (step.has("body")) dump(step.opt("body")) else null
            val json = parse(c.callJson(op, path, query, body))
            // A step with a `read` list is also made through the typed surface.
            if (step.has("read")) typed[op] = callTyped(c, op, path)
            return op to Outcome.Ok(json)
        } catch (e: KontextException) {
            val info = e.info()
            val diagnostics = JSONArray(
                info.diagnostics.map { d ->
                    JSONObject().put("message", d.message).apply {
                        d.severity?.let { put("severity", it) }
                        d.policyId?.let { put("policyId", it) }
                        d.start?.let { put("start", it.toLong()) }
                        d.end?.let { put("end", it.toLong()) }
                    }
                },
            )
            val said = JSONObject().put("message", info.message).put("missingScopes", JSONArray(info.missingScopes)).put("diagnostics", diagnostics)
            return op to Outcome.Err(e.kind, e.status, said)
        }
    }

    @Test
    fun scenarios() = runBlocking {
        val url = System.getenv("KONTEXT_EMULATOR_URL")?.trimEnd('/') ?: error("KONTEXT_EMULATOR_URL is not set")
        val out = File(System.getenv("KONTEXT_SCENARIO_OUT") ?: error("KONTEXT_SCENARIO_OUT is not set"))
        val root = System.getProperty("kontext.repo.root") ?: "."
        val dir = System.getenv("KONTEXT_SCENARIO_DIR")?.let(::File) ?: File(root, "tests/scenarios")
        val files = dir.listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }
        val lines = mutableListOf<String>()
        val failures = mutableListOf<String>()
        for (f in files) {
            val scen = f.name.removeSuffix(".json")
            val doc = JSONObject(f.readText())
            admin(url, "DELETE", "/_emulator/faults")
            admin(url, "POST", "/_emulator/reset")
            val client = KontextManagementClient(baseUrl = url, clientId = CLIENT_ID, clientSecret = CLIENT_SECRET)
            val norm = Normalizer(url)
            val env = HashMap<String, Any?>()
            val steps = doc.getJSONArray("steps")
            for (idx in 0 until steps.length()) {
                val i = idx + 1
                val step = subst(steps.getJSONObject(idx), env) as JSONObject
                val (label, res) = runStep(url, client, step)
                val exp = step.optJSONObject("expect") ?: JSONObject()
                val at = "$scen step $i ($label)"
                when (res) {
                    is Outcome.Err -> {
                        var line = "$scen\t$i\t$label\terror ${res.kind} ${res.status ?: "-"}"
                        if (exp.has("message")) {
                            line += " " + dump(norm.value(res.said))
                            for (key in listOf("message", "missingScopes", "diagnostics")) {
                                if (exp.has(key) && dump(exp.opt(key)) != dump(res.said.opt(key))) failures += "$at: $key ${dump(res.said.opt(key))}, expected ${dump(exp.opt(key))}"
                            }
                        }
                        lines += line
                        if (exp.optString("error") != res.kind) failures += "$at: unexpected error ${res.kind} ${res.status}"
                        else if (exp.has("status") && exp.getInt("status") != res.status) failures += "$at: status ${res.status}, expected ${exp.get("status")}"
                    }
                    is Outcome.Ok -> {
                        val body = res.body
                        var line = "$scen\t$i\t$label\tok ${dump(norm.value(body))}"
                        step.optJSONArray("read")?.let { reads ->
                            val got = (0 until reads.length()).associate { reads.getString(it) to typedRead(typed[label], reads.getString(it)) }
                            val view = JSONObject().also { o -> got.forEach { (p, v) -> o.put(p, v.first ?: JSONObject.NULL) } }
                            val read = norm.value(view) as JSONObject
                            line += "\tread ${dump(read)}"
                            exp.optJSONObject("read")?.let { want ->
                                for (p in want.keySet()) if (dump(read.opt(p)) != dump(want.opt(p))) failures += "$at: the typed model reads $p = ${dump(read.opt(p))}, expected ${dump(want.opt(p))}"
                            }
                            step.optJSONArray("unknown")?.let { u ->
                                for (k in 0 until u.length()) if (got[u.getString(k)]?.second != true) failures += "$at: ${u.getString(k)} is not an Unknown(value) variant"
                            }
                        }
                        lines += line
                        if (exp.has("error")) { failures += "$at: expected ${exp.get("error")}, got a success"; continue }
                        exp.optJSONObject("match")?.let { m ->
                            for (ptr in m.keySet()) {
                                val got = pointer(body, ptr)
                                if (got === Missing || dump(got) != dump(m.opt(ptr))) failures += "$at: $ptr = ${dump(got)}, expected ${dump(m.opt(ptr))}"
                            }
                        }
                        if (exp.has("count")) {
                            val n = (body as? JSONObject)?.optJSONArray("items")?.length()
                            if (n != exp.getInt("count")) failures += "$at: $n items, expected ${exp.get("count")}"
                        }
                        step.optJSONObject("save")?.let { s ->
                            for (v in s.keySet()) {
                                val got = pointer(body, s.getString(v))
                                if (got === Missing) failures += "$at: nothing at ${s.getString(v)} to save"
                                env[v] = if (got === Missing) null else got
                            }
                        }
                    }
                }
            }
        }
        out.absoluteFile.parentFile.mkdirs()
        out.writeText(lines.joinToString("\n") + "\n")
        println("kotlin: ${files.size} scenarios, ${lines.size} steps, ${failures.size} failures -> $out")
        failures.forEach { System.err.println("FAIL $it") }
        assertTrue(failures.isEmpty() && lines.isNotEmpty(), "${failures.size} scenario failures")
    }
}
