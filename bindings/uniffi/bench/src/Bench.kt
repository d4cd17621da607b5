// Benchmark contenders for `cargo xtask bench` (group "kotlin"):
//   kontext-kotlin   this binding (uniffi → Rust core), suspend functions and Flow;
//   java-httpclient  java.net.http.HttpClient + Jackson, token fetched once.
// `--url URL [--scenario S] [--n N] [--contender C]` prints one JSON line per measurement:
// {"contender", "scenario", "value", "unit", "reps"}. Scenarios: get_seq, create_get_seq,
// concurrent64, stream100k (needs the 100k-application org the orchestrator seeds),
// cold_start (a fresh JVM per rep).
package dev.kontext.mgmt.bench

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import dev.kontext.mgmt.CreateApplicationInput
import dev.kontext.mgmt.CreateApplicationOAuthInput
import dev.kontext.mgmt.KontextManagementClient
import dev.kontext.mgmt.Emulator
import dev.kontext.mgmt.applications
import dev.kontext.mgmt.listAll
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import java.io.File
import java.net.URI
import java.net.URLEncoder
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.UUID

const val CLIENT_ID = "sa_11111111-1111-4111-8111-111111111111"
const val CLIENT_SECRET = "kontext-emulator-secret"

fun emit(contender: String, scenario: String, value: Double, unit: String, reps: List<Double> = listOf(value)) {
    println("""{"contender": "$contender", "scenario": "$scenario", "value": $value, "unit": "$unit", "reps": ${reps.joinToString(prefix = "[", postfix = "]")}}""")
}

fun statusMb(field: String): Double = File("/proc/self/status").readLines().first { it.startsWith("$field:") }
    .split(Regex("\\s+"))[1].toDouble() / 1024.0

/** Peak resident set so far (VmHWM), in MB. */
fun peakRssMb(): Double = statusMb("VmHWM")

/** Resident set now (VmRSS), in MB: the baseline of a peak-growth measurement. */
fun rssMb(): Double = statusMb("VmRSS")

fun rate(n: Int, block: () -> Unit): Double {
    val t = System.nanoTime()
    block()
    return n / ((System.nanoTime() - t) / 1e9)
}

/** The contender written against the JDK alone: one token, JSON decoded with Jackson. */
class Raw(url: String) {
    private val http: HttpClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
    private val json = ObjectMapper()
    private val base = "$url/api/v1"
    private val auth: String

    init {
        val form = "grant_type=client_credentials&scope=management%3Aall&client_id=${enc(CLIENT_ID)}&client_secret=${enc(CLIENT_SECRET)}"
        val token = http.send(
            HttpRequest.newBuilder(URI.create("$url/oauth2/token")).header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
            HttpResponse.BodyHandlers.ofByteArray(),
        )
        auth = "Bearer " + json.readTree(token.body())["access_token"].asText()
    }

    private fun enc(s: String) = URLEncoder.encode(s, Charsets.UTF_8)

    private fun request(path: String) = HttpRequest.newBuilder(URI.create(base + path)).header("authorization", auth).header("accept", "application/json")

    private fun decode(r: HttpResponse<ByteArray>): JsonNode {
        check(r.statusCode() in 200..299) { "HTTP ${r.statusCode()}" }
        return json.readTree(r.body())
    }

    fun get(id: String): JsonNode = decode(http.send(request("/applications/$id").GET().build(), HttpResponse.BodyHandlers.ofByteArray()))

    suspend fun getAsync(id: String): JsonNode =
        decode(http.sendAsync(request("/applications/$id").GET().build(), HttpResponse.BodyHandlers.ofByteArray()).await())

    fun create(name: String): JsonNode = decode(
        http.send(
            request("/applications").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""{"name": "$name", "oauth": {"redirectUris": ["http://localhost/cb"]}}""")).build(),
            HttpResponse.BodyHandlers.ofByteArray(),
        ),
    )

    fun listOne(): JsonNode = decode(http.send(request("/applications?limit=1").GET().build(), HttpResponse.BodyHandlers.ofByteArray()))

    /** Walks every page; returns the number of items. */
    fun streamAll(limit: Int): Long {
        var cursor: String? = null
        var count = 0L
        do {
            val q = "?limit=$limit" + (cursor?.let { "&cursor=" + enc(it) } ?: "")
            val page = decode(http.send(request("/applications$q").GET().build(), HttpResponse.BodyHandlers.ofByteArray()))
            count += page["items"].size()
            cursor = page["nextCursor"]?.takeIf { !it.isNull }?.asText()
        } while (cursor != null)
        return count
    }
}

fun main(argv: Array<String>) {
    val args = argv.toList().chunked(2).associate { it[0].removePrefix("--") to it.getOrElse(1) { "" } }
    val url = args["url"] ?: error("--url is required")
    if (args.containsKey("cold-child")) return coldChild(url, args.getValue("cold-child"))
    val scenarios = args["scenario"]?.let { listOf(it) } ?: listOf("get_seq", "create_get_seq", "concurrent64", "stream100k", "cold_start")
    val n = args["n"]?.toInt() ?: 2000
    val want = { c: String -> args["contender"] == null || args["contender"] == c }

    val client = KontextManagementClient(baseUrl = url, clientId = CLIENT_ID, clientSecret = CLIENT_SECRET)
    val raw = Raw(url)
    val id = raw.create("bench-kotlin-${UUID.randomUUID()}")["application"]["id"].asText()
    runBlocking {
        // Long enough for the JIT to compile the hot paths: users' JVMs are warm.
        repeat(1500) {
            client.applications.get(id)
            raw.get(id)
        }
    }
    for (scenario in scenarios) when (scenario) {
        "get_seq" -> {
            if (want("kontext-kotlin")) emit("kontext-kotlin", scenario, rate(n) { runBlocking { repeat(n) { client.applications.get(id) } } }, "req/s")
            if (want("java-httpclient")) emit("java-httpclient", scenario, rate(n) { repeat(n) { raw.get(id) } }, "req/s")
        }
        "create_get_seq" -> {
            val pairs = n / 4
            val tag = UUID.randomUUID().toString().take(8)
            if (want("kontext-kotlin")) emit("kontext-kotlin", scenario, rate(pairs) {
                runBlocking {
                    repeat(pairs) { i ->
                        val app = client.applications.create(
                            CreateApplicationInput(name = "k-$tag-$i", oauth = CreateApplicationOAuthInput(redirectUris = listOf("http://localhost/cb"))),
                        )
                        client.applications.get(app.application.id)
                    }
                }
            }, "req/s")
            if (want("java-httpclient")) emit("java-httpclient", scenario, rate(pairs) {
                repeat(pairs) { i -> raw.get(raw.create("j-$tag-$i")["application"]["id"].asText()) }
            }, "req/s")
        }
        "concurrent64" -> {
            val total = n * 2
            if (want("kontext-kotlin")) emit("kontext-kotlin", scenario, rate(total) {
                runBlocking(Dispatchers.Default) {
                    (0 until 64).map { async { repeat(total / 64) { client.applications.get(id) } } }.awaitAll()
                }
            }, "req/s")
            if (want("java-httpclient")) emit("java-httpclient", scenario, rate(total) {
                runBlocking(Dispatchers.Default) {
                    (0 until 64).map { async { repeat(total / 64) { raw.getAsync(id) } } }.awaitAll()
                }
            }, "req/s")
        }
        "stream100k" -> {
            if (want("kontext-kotlin")) {
                System.gc()
                val before = rssMb()
                var count = 0L
                val r = rate(1) { runBlocking { client.applications.listAll(limit = 200).collect { count++ } } }
                val grown = peakRssMb() - before
                emit("kontext-kotlin", scenario, r * count, "req/s")
                emit("kontext-kotlin", "stream100k_rss", grown, "MB")
            }
            if (want("java-httpclient")) {
                System.gc()
                val before = rssMb()
                var count = 0L
                val r = rate(1) { count = raw.streamAll(200) }
                val grown = peakRssMb() - before
                emit("java-httpclient", scenario, r * count, "req/s")
                emit("java-httpclient", "stream100k_rss", grown, "MB")
            }
        }
        "cold_start" -> for (contender in listOf("kontext-kotlin", "java-httpclient").filter(want)) {
            val reps = (0 until 5).map { coldRep(url, contender) }
            emit(contender, scenario, reps.sorted()[reps.size / 2], "ms", reps)
        }
        // The test kit: ms to start an in-process emulator until it listens (then stopped); the
        // first start loads the spec and warms the runtime.
        "kit_start" -> {
            Emulator.start().close()
            val reps = (0 until 20).map {
                val t = System.nanoTime()
                val emu = Emulator.start()
                val ms = (System.nanoTime() - t) / 1e6
                emu.close()
                ms
            }
            emit("kontext-kotlin-kit", scenario, reps.sorted()[reps.size / 2], "ms", reps)
        }
        // Where a call's time goes (diagnostic, not a contender measurement): the namespace
        // accessor alone, a call refused by validation (FFI + future, no I/O, no callback),
        // and a full GET.
        "diag" -> {
            val m = 20000
            val sync = rate(m) { repeat(m) { client.clearToken() } }
            val ns = rate(m) { repeat(m) { client.applications } }
            val ns2 = rate(m) { repeat(m) { client.applications } }
            System.err.println("sync call ${1e6 / sync} us, accessor ${1e6 / ns} then ${1e6 / ns2} us")
            val refused = rate(m) { runBlocking { repeat(m) { runCatching { client.applications.get("") } } } }
            val get = rate(n) { runBlocking { repeat(n) { client.applications.get(id) } } }
            System.err.println("accessor ${1e6 / ns} us, refused call ${1e6 / refused} us, get ${1e6 / get} us")
        }
        else -> error("unknown scenario $scenario")
    }
    client.close()
}

/** One fresh JVM: class loading, native library load, client, token, first call. */
fun coldRep(url: String, contender: String): Double {
    val java = ProcessHandle.current().info().command().orElse("java")
    val p = ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.kontext.mgmt.bench.BenchKt", "--url", url, "--cold-child", contender)
        .redirectErrorStream(true).start()
    val out = p.inputStream.bufferedReader().readText()
    check(p.waitFor() == 0) { out }
    return out.trim().lines().last().toDouble()
}

fun coldChild(url: String, contender: String) {
    val t = System.nanoTime()
    if (contender == "kontext-kotlin") {
        KontextManagementClient(baseUrl = url, clientId = CLIENT_ID, clientSecret = CLIENT_SECRET).use { c ->
            runBlocking { c.applications.list(limit = 1) }
        }
    } else {
        Raw(url).listOne()
    }
    println((System.nanoTime() - t) / 1e6)
}
