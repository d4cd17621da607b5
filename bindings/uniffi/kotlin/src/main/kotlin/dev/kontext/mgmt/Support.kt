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

// The error hierarchy of docs/ARCHITECTURE.md rule 7 over the sealed class uniffi generates:
// KontextException > (API errors: BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
// RateLimited, ServerException, ApiException) and ConnectionException, TimeoutException,
// DecodeException, InvalidInput.

/** Whether the server answered with an error status (an `ApiError` in the other SDKs). */
public val KontextException.isApiError: Boolean
    get() = status != null

/** The HTTP status of an API error. */
public val KontextException.status: Int?
    get() = when (this) {
        is KontextException.BadRequest -> status
        is KontextException.Unauthorized -> status
        is KontextException.Forbidden -> status
        is KontextException.NotFound -> status
        is KontextException.Conflict -> status
        is KontextException.RateLimited -> status
        is KontextException.ServerException -> status
        is KontextException.ApiException -> status
        else -> null
    }

/** The `x-request-id` of an API error: quote it when reporting a problem. */
public val KontextException.requestId: String?
    get() = when (this) {
        is KontextException.BadRequest -> requestId
        is KontextException.Unauthorized -> requestId
        is KontextException.Forbidden -> requestId
        is KontextException.NotFound -> requestId
        is KontextException.Conflict -> requestId
        is KontextException.RateLimited -> requestId
        is KontextException.ServerException -> requestId
        is KontextException.ApiException -> requestId
        else -> null
    }

/** The raw body of an API error. */
public val KontextException.body: String?
    get() = when (this) {
        is KontextException.BadRequest -> body
        is KontextException.Unauthorized -> body
        is KontextException.Forbidden -> body
        is KontextException.NotFound -> body
        is KontextException.Conflict -> body
        is KontextException.RateLimited -> body
        is KontextException.ServerException -> body
        is KontextException.ApiException -> body
        else -> null
    }

/** The server's message (API errors) or what went wrong, without the kind prefix. */
public val KontextException.reason: String
    get() = when (this) {
        is KontextException.BadRequest -> detail
        is KontextException.Unauthorized -> detail
        is KontextException.Forbidden -> detail
        is KontextException.NotFound -> detail
        is KontextException.Conflict -> detail
        is KontextException.RateLimited -> detail
        is KontextException.ServerException -> detail
        is KontextException.ApiException -> detail
        is KontextException.ConnectionException -> detail
        is KontextException.TimeoutException -> detail
        is KontextException.DecodeException -> detail
        is KontextException.InvalidInput -> detail
        is KontextException.ResponseTooLarge -> detail
    }

/** How long the server asked to wait (429). */
public val KontextException.retryAfter: Duration?
    get() = (this as? KontextException.RateLimited)?.retryAfter

/** The kind's name, the same in every SDK: `NotFound`, `ConnectionError`, … */
public val KontextException.kind: String
    get() = when (this) {
        is KontextException.BadRequest -> "BadRequest"
        is KontextException.Unauthorized -> "Unauthorized"
        is KontextException.Forbidden -> "Forbidden"
        is KontextException.NotFound -> "NotFound"
        is KontextException.Conflict -> "Conflict"
        is KontextException.RateLimited -> "RateLimited"
        is KontextException.ServerException -> "ServerError"
        is KontextException.ApiException -> "ApiError"
        is KontextException.ConnectionException -> "ConnectionError"
        is KontextException.TimeoutException -> "TimeoutError"
        is KontextException.DecodeException -> "DecodeError"
        is KontextException.InvalidInput -> "InvalidInput"
        is KontextException.ResponseTooLarge -> "ResponseTooLarge"
    }

/** The official SDK's error code: `kontext_not_found`, … */
public val KontextException.code: String
    get() = when (this) {
        is KontextException.BadRequest -> "kontext_validation_error"
        is KontextException.Unauthorized -> "kontext_authorization_required"
        is KontextException.Forbidden -> "kontext_policy_denied"
        is KontextException.NotFound -> "kontext_not_found"
        is KontextException.Conflict -> "kontext_conflict"
        is KontextException.RateLimited -> "kontext_rate_limited"
        is KontextException.ServerException -> "kontext_server_error"
        is KontextException.ApiException -> "kontext_api_error"
        is KontextException.ConnectionException -> "kontext_connection_error"
        is KontextException.TimeoutException -> "kontext_timeout"
        is KontextException.DecodeException -> "kontext_decode_error"
        is KontextException.InvalidInput -> "kontext_invalid_input"
        is KontextException.ResponseTooLarge -> "kontext_response_too_large"
    }
