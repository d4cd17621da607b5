// Generic support of the idiomatic layer (hand-written; nothing per operation lives here).
import Foundation

/// The items (or pages) of a paginated operation as an `AsyncSequence`. Iterating opens a
/// pager and asks the core for the next page only when the current one is used up, so a
/// walk over any number of items holds one page at a time; breaking out stops it.
public struct PagedSequence<Pager, Element>: AsyncSequence {
    private let open: () throws -> Pager
    private let fetch: (Pager) async throws -> [Element]?

    public init(open: @escaping () throws -> Pager, fetch: @escaping (Pager) async throws -> [Element]?) {
        self.open = open
        self.fetch = fetch
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(open: open, fetch: fetch)
    }

    public struct Iterator: AsyncIteratorProtocol {
        private let open: () throws -> Pager
        private let fetch: (Pager) async throws -> [Element]?
        private var pager: Pager?
        private var buffer: [Element] = []
        private var index = 0
        private var done = false

        init(open: @escaping () throws -> Pager, fetch: @escaping (Pager) async throws -> [Element]?) {
            self.open = open
            self.fetch = fetch
        }

        public mutating func next() async throws -> Element? {
            while true {
                if index < buffer.count {
                    let item = buffer[index]
                    index += 1
                    return item
                }
                if done {
                    return nil
                }
                let current: Pager
                if let existing = pager {
                    current = existing
                } else {
                    current = try open()
                    pager = current
                }
                guard let page = try await fetch(current) else {
                    done = true
                    pager = nil
                    return nil
                }
                buffer = page
                index = 0
            }
        }
    }
}

// The error hierarchy of docs/ARCHITECTURE.md rule 7 over the enum uniffi generates:
// KontextError > (API errors: BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
// RateLimited, ServerError, ApiError) and ConnectionError, TimeoutError, DecodeError,
// InvalidInput.
extension KontextError {
    /// The HTTP status of an API error.
    public var status: Int32? {
        switch self {
        case .BadRequest(let status, _, _, _), .Unauthorized(let status, _, _, _),
             .Forbidden(let status, _, _, _), .NotFound(let status, _, _, _),
             .Conflict(let status, _, _, _), .ServerError(let status, _, _, _),
             .ApiError(let status, _, _, _), .RateLimited(let status, _, _, _, _):
            return status
        default:
            return nil
        }
    }

    /// Whether the server answered with an error status (an `ApiError`).
    public var isApiError: Bool { status != nil }

    /// The `x-request-id` of an API error: quote it when reporting a problem.
    public var requestId: String? {
        switch self {
        case .BadRequest(_, _, let id, _), .Unauthorized(_, _, let id, _),
             .Forbidden(_, _, let id, _), .NotFound(_, _, let id, _),
             .Conflict(_, _, let id, _), .ServerError(_, _, let id, _),
             .ApiError(_, _, let id, _), .RateLimited(_, _, let id, _, _):
            return id
        default:
            return nil
        }
    }

    /// The raw body of an API error.
    public var body: String? {
        switch self {
        case .BadRequest(_, _, _, let body), .Unauthorized(_, _, _, let body),
             .Forbidden(_, _, _, let body), .NotFound(_, _, _, let body),
             .Conflict(_, _, _, let body), .ServerError(_, _, _, let body),
             .ApiError(_, _, _, let body), .RateLimited(_, _, _, let body, _):
            return body
        default:
            return nil
        }
    }

    /// The server's message (API errors) or what went wrong.
    public var message: String {
        switch self {
        case .BadRequest(_, let message, _, _), .Unauthorized(_, let message, _, _),
             .Forbidden(_, let message, _, _), .NotFound(_, let message, _, _),
             .Conflict(_, let message, _, _), .ServerError(_, let message, _, _),
             .ApiError(_, let message, _, _), .RateLimited(_, let message, _, _, _):
            return message
        case .ConnectionError(let message), .TimeoutError(let message),
             .DecodeError(let message), .InvalidInput(let message):
            return message
        case .ResponseTooLarge(let message, _):
            return message
        }
    }

    /// How long the server asked to wait (429).
    public var retryAfter: TimeInterval? {
        if case .RateLimited(_, _, _, _, let wait) = self {
            return wait
        }
        return nil
    }

    /// The kind's name, the same in every SDK.
    public var kind: String {
        switch self {
        case .BadRequest: return "BadRequest"
        case .Unauthorized: return "Unauthorized"
        case .Forbidden: return "Forbidden"
        case .NotFound: return "NotFound"
        case .Conflict: return "Conflict"
        case .RateLimited: return "RateLimited"
        case .ServerError: return "ServerError"
        case .ApiError: return "ApiError"
        case .ConnectionError: return "ConnectionError"
        case .TimeoutError: return "TimeoutError"
        case .DecodeError: return "DecodeError"
        case .InvalidInput: return "InvalidInput"
        case .ResponseTooLarge: return "ResponseTooLarge"
        }
    }

    /// The official SDK's error code: `kontext_not_found`, …
    public var code: String {
        switch self {
        case .BadRequest: return "kontext_validation_error"
        case .Unauthorized: return "kontext_authorization_required"
        case .Forbidden: return "kontext_policy_denied"
        case .NotFound: return "kontext_not_found"
        case .Conflict: return "kontext_conflict"
        case .RateLimited: return "kontext_rate_limited"
        case .ServerError: return "kontext_server_error"
        case .ApiError: return "kontext_api_error"
        case .ConnectionError: return "kontext_connection_error"
        case .TimeoutError: return "kontext_timeout"
        case .DecodeError: return "kontext_decode_error"
        case .InvalidInput: return "kontext_invalid_input"
        case .ResponseTooLarge: return "kontext_response_too_large"
        }
    }
}
