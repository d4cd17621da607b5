//! The one pagination loop: cursor (`nextCursor`) and offset (`limit`/`offset`) walks.

use crate::error::{Error, Result};
use futures::Stream;
use std::collections::HashSet;
use std::future::Future;
use std::hash::{Hash, Hasher};

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
    /// Pages fetched so far, empty ones included.
    pages: u64,
    max_pages: u64,
    /// Hashes of the cursors the server sent: a repeated one would loop forever.
    cursors: HashSet<u64>,
}

impl PageState {
    pub fn new(start: Next) -> PageState {
        PageState::with_max_pages(start, crate::limits::Limits::default().max_pages)
    }

    /// A walk that fails after `max_pages` pages (see [`crate::ClientBuilder::max_pages`]).
    pub fn with_max_pages(start: Next, max_pages: u64) -> PageState {
        PageState { next: start, longest: 0, pages: 0, max_pages, cursors: HashSet::new() }
    }

    pub fn next(&self) -> &Next {
        &self.next
    }

    /// Records a fetched page. A cursor the server already sent, or a page beyond the
    /// limit, ends the walk with `DecodeError` (a server that would make it loop forever).
    pub fn advance(&mut self, len: usize, next_cursor: Option<String>, offset: bool) -> Result<()> {
        self.pages = self.pages.saturating_add(1);
        let next = if offset {
            let at = match self.next {
                Next::Offset(o) => o,
                _ => 0,
            };
            if len == 0 || len < self.longest {
                Next::Done
            } else {
                Next::Offset(at.saturating_add(len as u64))
            }
        } else {
            match next_cursor {
                Some(c) if !c.is_empty() => {
                    let mut hasher = std::collections::hash_map::DefaultHasher::new();
                    c.hash(&mut hasher);
                    if !self.cursors.insert(hasher.finish()) {
                        self.next = Next::Done;
                        return Err(Error::Decode {
                            message: format!(
                                "the server sent the cursor {:?} twice; the walk would not end",
                                preview(&c)
                            ),
                            body: None,
                            source: None,
                        });
                    }
                    Next::Cursor(c)
                }
                _ => Next::Done,
            }
        };
        self.longest = self.longest.max(len);
        if next != Next::Done && self.pages >= self.max_pages {
            self.next = Next::Done;
            return Err(Error::Decode {
                message: format!("the walk reached the {}-page limit (max_pages)", self.max_pages),
                body: None,
                source: None,
            });
        }
        self.next = next;
        Ok(())
    }
}

fn preview(cursor: &str) -> String {
    cursor.chars().take(40).collect()
}

/// Streams items page by page, holding one page in memory at a time.
pub fn stream<T, F, Fut>(start: Next, max_pages: u64, fetch: F) -> impl Stream<Item = Result<T>> + Unpin
where
    F: FnMut(Next) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    let state = (PageState::with_max_pages(start, max_pages), Vec::new().into_iter(), fetch, None);
    Box::pin(futures::stream::unfold(state, |(mut state, mut items, mut fetch, mut failed)| async move {
        loop {
            if let Some(item) = items.next() {
                return Some((Ok(item), (state, items, fetch, failed)));
            }
            // The items of the page that ended the walk come first, then its error.
            if let Some(e) = failed.take() {
                return Some((Err(e), (state, items, fetch, None)));
            }
            if state.next == Next::Done {
                return None;
            }
            match fetch(state.next.clone()).await {
                Ok(page) => {
                    failed = state.advance(page.items.len(), page.next_cursor, page.offset).err();
                    items = page.items.into_iter();
                }
                Err(e) => {
                    state.next = Next::Done;
                    return Some((Err(e), (state, items, fetch, None)));
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
        s.advance(50, None, true).unwrap();
        assert_eq!(s.next, Next::Offset(50));
        s.advance(50, None, true).unwrap();
        assert_eq!(s.next, Next::Offset(100));
        s.advance(7, None, true).unwrap();
        assert_eq!(s.next, Next::Done);
    }

    #[test]
    fn cursor_walk_ends_without_cursor() {
        let mut s = PageState::new(Next::Start);
        s.advance(3, Some("abc".into()), false).unwrap();
        assert_eq!(s.next, Next::Cursor("abc".into()));
        s.advance(3, None, false).unwrap();
        assert_eq!(s.next, Next::Done);
    }

    #[test]
    fn repeated_cursor_and_page_limit_end_the_walk() {
        let mut s = PageState::new(Next::Start);
        s.advance(0, Some("a".into()), false).unwrap();
        s.advance(0, Some("b".into()), false).unwrap();
        let e = s.advance(0, Some("a".into()), false).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::DecodeError);
        assert_eq!(s.next, Next::Done);
        let mut s = PageState::with_max_pages(Next::Offset(0), 3);
        s.advance(5, None, true).unwrap();
        s.advance(5, None, true).unwrap();
        assert!(s.advance(5, None, true).unwrap_err().to_string().contains("3-page limit"));
    }
}
