// Generic support of the idiomatic layer (hand-written; nothing per operation lives here).
package dev.kontext.mgmt

import com.sun.jna.CallbackThreadInitializer
import com.sun.jna.Native
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import java.time.Duration

/**
 * uniffi resumes a suspended call from the core's tokio threads through a JNA callback.
 * By default JNA attaches such a native thread to the JVM for the callback and detaches it
 * right after, an expensive pair paid on every call; keeping the (few, long-lived) runtime
 * threads attached as daemons removes it. Idempotent; run before the first call.
 */
internal object CallbackThreads {
    init {
        Native.setCallbackThreadInitializer(
            uniffiRustFutureContinuationCallbackImpl,
            CallbackThreadInitializer(true, false, "kontext-mgmt-callback"),
        )
    }

    @JvmStatic
    fun ensure() {}
}

private val namespaces = java.util.WeakHashMap<KontextManagementClient, MutableMap<String, Any>>()

/**
 * The namespace object `name` of this client, made once per client (`open` is an FFI call
 * and a native handle; `client.applications.get(id)` in a loop should not pay it each time).
 */
@Suppress("UNCHECKED_CAST")
internal fun <T : Any> KontextManagementClient.namespace(name: String, open: KontextManagementClient.() -> T): T =
    synchronized(namespaces) {
        namespaces.getOrPut(this) { HashMap() }.getOrPut(name) {
            CallbackThreads.ensure()
            open()
        }
    } as T

/** Items of every page a pager yields; the pager is closed when the flow completes or is cancelled. */
internal fun <P : AutoCloseable, Page, Item> pagedItems(
    open: () -> P,
    next: suspend (P) -> Page?,
    items: (Page) -> List<Item>,
): Flow<Item> = flow {
    open().use { pager ->
        while (true) {
            val page = next(pager) ?: break
            for (item in items(page)) emit(item)
        }
    }
}

/** Every page a pager yields. */
internal fun <P : AutoCloseable, Page> pagedPages(open: () -> P, next: suspend (P) -> Page?): Flow<Page> = flow {
    open().use { pager ->
        while (true) emit(next(pager) ?: break)
    }
}

// The error hierarchy of docs/ARCHITECTURE.md rule 7 is the sealed class uniffi generates
// from the one list of kinds in the core (`when` over its variants); what every variant can
// tell comes from the core through `info()`, so nothing here is written per kind.

/** Whether the server answered with an error status (an `ApiError` in the other SDKs). */
public val KontextException.isApiError: Boolean
    get() = status != null

/** The HTTP status of an API error. */
public val KontextException.status: Int?
    get() = info().status

/** The `x-request-id` of an API error: quote it when reporting a problem. */
public val KontextException.requestId: String?
    get() = info().requestId

/** The raw body of an API error. */
public val KontextException.body: String?
    get() = info().body

/** The server's message (API errors) or what went wrong, without the kind prefix. */
public val KontextException.reason: String
    get() = info().message

/** How long the server asked to wait (429). */
public val KontextException.retryAfter: Duration?
    get() = info().retryAfter

/** The kind's name, the same in every SDK: `NotFound`, `ConnectionError`, … */
public val KontextException.kind: String
    get() = info().kind

/** The official SDK's error code: `kontext_not_found`, … */
public val KontextException.code: String
    get() = info().code
