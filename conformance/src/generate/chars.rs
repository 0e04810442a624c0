//! The character sets and the two draws both the in-format strategies (`strategy.rs`) and
//! the out-of-format ones (`wild.rs`) build on.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

pub(super) const ALNUM: &[char] = &[
    'a', 'b', 'c', 'x', 'y', 'z', 'A', 'B', 'M', 'Z', '0', '1', '2', '5', '9',
];
pub(super) const DIGITS: &[char] = &['1', '0', '2', '3', '4', '5', '6', '7', '8', '9'];
/// The edge classes: form and URL delimiters, spaces, quotes, Chinese (GB2312), a Latin
/// letter with an accent, 4-byte UTF-8.
pub(super) const EDGE: &[char] = &[
    'a', ' ', '&', '=', '+', '%', '<', '>', '/', ':', ';', ',', '?', '@', '$', '#', '\'', '"', '*',
    '~', '!', '(', ')', '.', '中', '文', '商', '品', 'é', '😀', '𠮷', 'Z', '9',
];
pub(super) fn chars(set: &'static [char], min: usize, max: usize) -> BoxedStrategy<String> {
    prop::collection::vec(prop::sample::select(set), min..=max.max(min))
        .prop_map(|v| v.into_iter().collect())
        .boxed()
}

pub(super) fn pick(set: &'static [&'static str]) -> BoxedStrategy<String> {
    prop::sample::select(set).prop_map(str::to_owned).boxed()
}
