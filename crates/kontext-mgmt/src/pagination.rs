//! The one pagination loop: cursor (`nextCursor`) and offset (`limit`/`offset`) walks.

use crate::error::Result;
use futures::Stream;
use std::future::Future;

/// What to fetch next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// The request as given (its own cursor, if any).
    Start,
    Cursor(String),
    Offset(u64),
    Done,
}

/// A fetched page as the loop needs it.
#[derive(Debug)]
pub struct Page<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
    offset: bool,
}

impl<T> Page<T> {
    pub fn cursor(items: Vec<T>, next_cursor: Option<String>) -> Page<T> {
        Page { items, next_cursor, offset: false }
    }
    pub fn offset(items: Vec<T>) -> Page<T> {
        Page { items, next_cursor: None, offset: true }
    }
}

/// Where a walk is.
#[derive(Debug, Clone)]
pub struct PageState {
    next: Next,
    /// Longest page so far: an offset walk ends at the first page shorter than that (the
    /// server's page size, which the caller may not have chosen explicitly).
    longest: usize,
}

impl PageState {
    pub fn new(start: Next) -> PageState {
        PageState { next: start, longest: 0 }
    }

    pub fn next(&self) -> &Next {
        &self.next
    }

    pub fn advance(&mut self, len: usize, next_cursor: Option<String>, offset: bool) {
        self.next = if offset {
            let at = match self.next {
                Next::Offset(o) => o,
                _ => 0,
            };
            if len == 0 || len < self.longest {
                Next::Done
            } else {
                Next::Offset(at + len as u64)
            }
        } else {
            match next_cursor {
                Some(c) if !c.is_empty() => Next::Cursor(c),
                _ => Next::Done,
            }
        };
        self.longest = self.longest.max(len);
    }
}

/// Streams items page by page, holding one page in memory at a time.
pub fn stream<T, F, Fut>(start: Next, fetch: F) -> impl Stream<Item = Result<T>> + Unpin
where
    F: FnMut(Next) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    let state = (PageState::new(start), Vec::new().into_iter(), fetch);
    Box::pin(futures::stream::unfold(state, |(mut state, mut items, mut fetch)| async move {
        loop {
            if let Some(item) = items.next() {
                return Some((Ok(item), (state, items, fetch)));
            }
            if state.next == Next::Done {
                return None;
            }
            match fetch(state.next.clone()).await {
                Ok(page) => {
                    state.advance(page.items.len(), page.next_cursor, page.offset);
                    items = page.items.into_iter();
                }
                Err(e) => {
                    state.next = Next::Done;
                    return Some((Err(e), (state, items, fetch)));
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_walk_ends_on_a_short_page() {
        let mut s = PageState::new(Next::Offset(0));
        s.advance(50, None, true);
        assert_eq!(s.next, Next::Offset(50));
        s.advance(50, None, true);
        assert_eq!(s.next, Next::Offset(100));
        s.advance(7, None, true);
        assert_eq!(s.next, Next::Done);
    }

    #[test]
    fn cursor_walk_ends_without_cursor() {
        let mut s = PageState::new(Next::Start);
        s.advance(3, Some("abc".into()), false);
        assert_eq!(s.next, Next::Cursor("abc".into()));
        s.advance(3, None, false);
        assert_eq!(s.next, Next::Done);
    }
}
