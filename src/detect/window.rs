//! Statistics over a sliding window: a mergeable summary ([`Moments`]) and a queue that keeps
//! the summary of its contents under push-newest / pop-oldest ([`SlidingWindow`]).
//!
//! # Why these formulas
//! A window that slides cannot be summed in input order (Splunk's naive `avg` of each
//! window), and subtracting the values that leave a running sum would accumulate rounding
//! without bound. Instead every window is the merge of a few exact-as-possible summaries:
//! - **sum**: a double-double (`hi + lo`, about 106 bits) built with Knuth's TwoSum, so adding
//!   or merging loses nothing until the sum itself needs more than 106 bits; the mean is then
//!   `(hi + lo) / n` correctly rounded up to one unit in the last place. Its error does not
//!   depend on the order or number of the values, where a naive sum's grows as `n · ε`.
//! - **M2** (sum of squared deviations): Chan, Golub and LeVeque's pairwise update,
//!   `M2 = M2_a + M2_b + δ² · n_a · n_b / n` with `δ = mean_b − mean_a`; merging one value is
//!   Welford's update, so it is as stable as the accumulator of [`super::stats`]. Equal values
//!   give exactly `0`.
//!
//! [`SlidingWindow`] is the two-stack queue ("sliding window aggregation"): pushes go on a back
//! stack with a running summary; when the oldest value must leave and the front stack is
//! empty, the back stack is moved to the front with suffix summaries. Each value is merged a
//! constant number of times, so a window costs O(1) amortized per push or pop, needs no inverse
//! ("unmerge") operation and so adds no cancellation error. Any associative summary works
//! ([`Merge`]); `method=predictive` can plug its own (log values, largest few) in later.
//!
//! # Example
//! ```
//! use emailoutlier::detect::window::{Moments, SlidingWindow};
//! let mut window = SlidingWindow::default();
//! for x in [1.0, 2.0, 3.0, 4.0] {
//!     window.push(Moments::of(x));
//! }
//! window.pop(); // 1.0 leaves
//! let m = window.summary();
//! assert_eq!((m.count(), m.mean(), m.stdev()), (3, Some(3.0), Some(1.0)));
//! ```

/// A summary that two adjacent parts of a window can be merged into (associative, with
/// `Default` as the empty summary).
pub trait Merge: Copy + Default {
    /// The summary of `self`'s values followed by `later`'s.
    #[must_use]
    fn merge(&self, later: &Self) -> Self;
}

/// Count, double-double sum and M2 of some values; see the module doc.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    count: u64,
    hi: f64,
    lo: f64,
    m2: f64,
}

/// `a + b` as the rounded sum and its exact rounding error (Knuth's TwoSum; any magnitudes).
#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

impl Moments {
    /// One value.
    #[inline]
    pub fn of(x: f64) -> Moments {
        Moments {
            count: 1,
            hi: x,
            lo: 0.0,
            m2: 0.0,
        }
    }

    /// How many values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The values' sum as `hi + lo` (exact while it fits in about 106 bits).
    pub fn sum(&self) -> (f64, f64) {
        (self.hi, self.lo)
    }

    /// `(hi + lo) / n`, within about one unit in the last place of the exact mean (the
    /// division's remainder is recovered with one fused multiply-add); `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.mean_of_nonempty())
    }

    #[inline]
    fn mean_of_nonempty(&self) -> f64 {
        let n = count_f64(self.count);
        let q = self.hi / n;
        // hi − q·n exactly (one fused rounding), plus the low part: what q misses of the sum.
        let rest = (-q).mul_add(n, self.hi) + self.lo;
        q + rest / n
    }

    /// Sample standard deviation (n − 1); `Some(0.0)` for one value, `None` when empty.
    pub fn stdev(&self) -> Option<f64> {
        match self.count {
            0 => None,
            1 => Some(0.0),
            n => Some((self.m2.max(0.0) / count_f64(n - 1)).sqrt()),
        }
    }
}

impl Merge for Moments {
    #[inline]
    fn merge(&self, later: &Moments) -> Moments {
        if self.count == 0 {
            return *later;
        }
        if later.count == 0 {
            return *self;
        }
        let count = self.count + later.count;
        let (hi, err) = two_sum(self.hi, later.hi);
        let (hi, lo) = two_sum(hi, err + self.lo + later.lo);
        let delta = later.mean_of_nonempty() - self.mean_of_nonempty();
        let weight = count_f64(self.count) * (count_f64(later.count) / count_f64(count));
        Moments {
            count,
            hi,
            lo,
            m2: self.m2 + later.m2 + delta * delta * weight,
        }
    }
}

#[allow(clippy::cast_precision_loss)]
fn count_f64(n: u64) -> f64 {
    n as f64
}

/// A FIFO window of summaries that knows the summary of all its contents; see the module doc.
#[derive(Debug, Clone, Default)]
pub struct SlidingWindow<M> {
    /// Oldest values; `front[i]` summarizes `front`'s values `i..` (the last is the oldest).
    front: Vec<M>,
    /// Newest values, oldest first, and their summary.
    back: Vec<M>,
    back_summary: M,
}

impl<M: Merge> SlidingWindow<M> {
    /// Appends the newest value's summary.
    #[inline]
    pub fn push(&mut self, value: M) {
        self.back_summary = self.back_summary.merge(&value);
        self.back.push(value);
    }

    /// Removes the oldest value; does nothing when the window is empty.
    pub fn pop(&mut self) {
        if self.front.is_empty() {
            let mut suffix = M::default();
            while let Some(value) = self.back.pop() {
                suffix = value.merge(&suffix);
                self.front.push(suffix);
            }
            self.back_summary = M::default();
        }
        self.front.pop();
    }

    /// How many values are in the window.
    pub fn len(&self) -> usize {
        self.front.len() + self.back.len()
    }

    /// Whether the window is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The summary of every value in the window, oldest first.
    pub fn summary(&self) -> M {
        match self.front.last() {
            Some(front) => front.merge(&self.back_summary),
            None => self.back_summary,
        }
    }

    /// Empties the window, keeping its buffers.
    pub fn clear(&mut self) {
        self.front.clear();
        self.back.clear();
        self.back_summary = M::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use statrs::statistics::Statistics;

    fn moments(values: &[f64]) -> Moments {
        values
            .iter()
            .fold(Moments::default(), |m, &x| m.merge(&Moments::of(x)))
    }

    #[test]
    fn empty_one_and_equal_values() {
        let empty = Moments::default();
        assert_eq!(
            (empty.count(), empty.mean(), empty.stdev()),
            (0, None, None)
        );
        assert_eq!(moments(&[42.5]).stdev(), Some(0.0));
        // 100 × 3.99: Splunk's naive sum gives 3.9900000000000055; the exact mean is 3.99.
        let m = moments(&[3.99; 100]);
        assert_eq!((m.mean(), m.stdev()), (Some(3.99), Some(0.0)));
        // Merged in pieces, still exact.
        let pieces = moments(&[3.99; 37]).merge(&moments(&[3.99; 63]));
        assert_eq!((pieces.mean(), pieces.stdev()), (Some(3.99), Some(0.0)));
    }

    #[test]
    fn sum_is_exact_where_a_naive_sum_is_not() {
        // 1e16 + 1 + 1: the naive sum loses both ones whatever the grouping of the first add.
        let m = moments(&[1e16, 1.0, 1.0]);
        assert_eq!(m.sum(), (1e16 + 2.0, 0.0));
        let m = moments(&[1e16, 1.0, -1e16]);
        assert_eq!(m.mean(), Some(1.0 / 3.0));
        // Large byte counts: stdev exactly 1.
        assert_eq!(moments(&[1e12, 1e12 + 1.0, 1e12 + 2.0]).stdev(), Some(1.0));
    }

    #[test]
    fn window_pops_oldest_first() {
        let mut window = SlidingWindow::default();
        assert!(window.is_empty());
        window.pop(); // empty: nothing happens
        for x in [100.0, 1.0, 2.0] {
            window.push(Moments::of(x));
        }
        window.pop();
        assert_eq!(window.summary().mean(), Some(1.5));
        window.push(Moments::of(3.0));
        window.pop();
        window.pop();
        assert_eq!((window.len(), window.summary().mean()), (1, Some(3.0)));
        window.clear();
        assert_eq!(window.summary().count(), 0);
    }

    proptest! {
        /// Any sequence of pushes and pops: the window's summary equals a fresh fold of the
        /// values it holds (means to 1e-15 relative, stdevs to 1e-10 against statrs).
        #[test]
        fn window_equals_fold_of_its_contents(
            ops in proptest::collection::vec((0u64..2_000_000_000_000, any::<bool>()), 1..300),
        ) {
            let mut window = SlidingWindow::default();
            let mut held = std::collections::VecDeque::new();
            for (value, pop) in ops {
                if pop {
                    window.pop();
                    held.pop_front();
                } else {
                    window.push(Moments::of(value as f64));
                    held.push_back(value);
                }
                let m = window.summary();
                prop_assert_eq!(m.count(), held.len() as u64);
                let exact: u128 = held.iter().map(|&v| u128::from(v)).sum();
                if let Some(mean) = m.mean() {
                    let want = exact as f64 / held.len() as f64;
                    prop_assert!((mean - want).abs() <= 1e-15 * want.abs(), "{} vs {}", mean, want);
                    let xs: Vec<f64> = held.iter().map(|&v| v as f64).collect();
                    if xs.len() > 1 {
                        let sd = xs.iter().std_dev();
                        let got = m.stdev().unwrap();
                        prop_assert!((got - sd).abs() <= 1e-10 * sd.max(1.0), "{} vs {}", got, sd);
                    }
                }
            }
        }
    }
}
