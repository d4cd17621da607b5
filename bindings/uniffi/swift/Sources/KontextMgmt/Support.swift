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

// The error hierarchy of docs/ARCHITECTURE.md rule 7 is the enum uniffi generates from the
// one list of kinds in the core (`catch` over its cases); what every case can tell comes from
// the core through `info()`, so nothing here is written per kind.
extension KontextError {
    /// The HTTP status of an API error.
    public var status: Int32? { info().status }

    /// Whether the server answered with an error status (an `ApiError`).
    public var isApiError: Bool { status != nil }

    /// The `x-request-id` of an API error: quote it when reporting a problem.
    public var requestId: String? { info().requestId }

    /// The raw body of an API error.
    public var body: String? { info().body }

    /// The server's message (API errors) or what went wrong.
    public var message: String { info().message }

    /// How long the server asked to wait (429).
    public var retryAfter: TimeInterval? { info().retryAfter }

    /// The kind's name, the same in every SDK.
    public var kind: String { info().kind }

    /// The official SDK's error code: `kontext_not_found`, …
    public var code: String { info().code }
}
