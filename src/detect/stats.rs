//! Running mean and sample standard deviation, one accumulator per group.
//!
//! # Formulas
//! For values `x_1 … x_n` pushed in input order:
//! - **mean** = `(((0 + x_1) + x_2) + … + x_n) / n`: a naive left-to-right `f64` sum divided
//!   by the count, exactly as Splunk's `avg` computes it (100 × `3.99` gives
//!   `3.9900000000000055`). `n = 0` → `None`.
//! - **stdev** = `sqrt(Σ (x_i − x̄)² / (n − 1))`, the *sample* standard deviation, computed
//!   with Welford's update (`δ = x − m; m += δ / n; M2 += δ · (x − m)`), which stays accurate
//!   for byte counts of 1e9..1e12 where `Σx² − (Σx)²/n` cancels catastrophically.
//!   `n = 1` → `Some(0.0)` **(decision)**; `n = 0` → `None`. Equal values give exactly `0`.
//!
//! # Example
//! ```
//! use emailoutlier::detect::stats::Accumulator;
//! let mut acc = Accumulator::default();
//! assert_eq!((acc.mean(), acc.stdev()), (None, None));
//! for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
//!     acc.push(x);
//! }
//! assert_eq!(acc.count(), 8);
//! assert_eq!(acc.mean(), Some(5.0));
//! assert_eq!(acc.stdev(), Some((32.0f64 / 7.0).sqrt()));
//! ```

/// Count, naive sum and Welford state of the values pushed so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Accumulator {
    count: u64,
    sum: f64,
    welford_mean: f64,
    m2: f64,
}

impl Accumulator {
    /// Adds one value.
    #[inline]
    pub fn push(&mut self, x: f64) {
        self.count += 1;
        self.sum += x;
        let delta = x - self.welford_mean;
        self.welford_mean += delta / self.count_f64();
        self.m2 += delta * (x - self.welford_mean);
    }

    /// How many values were pushed.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Naive in-order sum divided by the count; `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count_f64())
    }

    /// Sample standard deviation (n − 1); `Some(0.0)` for one value, `None` when empty.
    pub fn stdev(&self) -> Option<f64> {
        match self.count {
            0 => None,
            1 => Some(0.0),
            n => {
                #[allow(clippy::cast_precision_loss)]
                let denominator = (n - 1) as f64;
                // M2 is a sum of non-negative terms; rounding may not make it negative.
                Some((self.m2.max(0.0) / denominator).sqrt())
            }
        }
    }

    #[allow(clippy::cast_precision_loss)]
    fn count_f64(&self) -> f64 {
        self.count as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use statrs::statistics::Statistics;

    fn from(values: &[f64]) -> Accumulator {
        let mut acc = Accumulator::default();
        values.iter().for_each(|&x| acc.push(x));
        acc
    }

    #[test]
    fn empty_is_null() {
        let acc = Accumulator::default();
        assert_eq!((acc.count(), acc.mean(), acc.stdev()), (0, None, None));
    }

    #[test]
    fn one_value_has_stdev_zero() {
        let acc = from(&[42.5]);
        assert_eq!((acc.mean(), acc.stdev()), (Some(42.5), Some(0.0)));
    }

    #[test]
    fn mean_is_the_naive_in_order_sum() {
        // Splunk: `makeresults count=100 | eval test=3.99 | stats avg(test)` → 3.9900000000000055
        let acc = from(&[3.99; 100]);
        assert_eq!(
            acc.mean().map(|m| m.to_string()),
            Some("3.9900000000000055".into())
        );
        // Equal values: Welford keeps the deviation exactly zero even when the sum drifts.
        assert_eq!(acc.stdev(), Some(0.0));
        // Order matters to a naive sum: 1e16 + 1 + 1 loses both ones, 1 + 1 + 1e16 does not.
        assert_eq!(from(&[1e16, 1.0, 1.0]).mean(), Some(1e16 / 3.0));
        assert_eq!(
            from(&[1.0, 1.0, 1e16]).mean(),
            Some(10_000_000_000_000_002.0 / 3.0)
        );
    }

    #[test]
    fn sample_stdev_hand_computed() {
        // 1, 2, 3, 4: mean 2.5, squares of deviations 2.25+0.25+0.25+2.25 = 5, /3.
        assert_eq!(
            from(&[1.0, 2.0, 3.0, 4.0]).stdev(),
            Some((5.0f64 / 3.0).sqrt())
        );
        // 10, 20: mean 15, (25+25)/1 = 50.
        assert_eq!(from(&[10.0, 20.0]).stdev(), Some(50f64.sqrt()));
    }

    #[test]
    fn stable_for_large_byte_counts() {
        // 1e12 + {0, 1, 2}: stdev exactly 1; Σx² − (Σx)²/n would lose every digit here.
        let acc = from(&[1e12, 1e12 + 1.0, 1e12 + 2.0]);
        assert_eq!(acc.stdev(), Some(1.0));
    }

    proptest! {
        #[test]
        fn matches_statrs_two_pass(values in proptest::collection::vec(0u64..2_000_000_000_000, 2..200)) {
            let xs: Vec<f64> = values.iter().map(|&v| v as f64).collect();
            let acc = from(&xs);
            let want = xs.iter().std_dev();
            let got = acc.stdev().unwrap_or(f64::NAN);
            prop_assert!((got - want).abs() <= 1e-9 * want.max(1.0), "{got} vs {want}");
            let naive = xs.iter().fold(0.0, |s, x| s + x) / xs.len() as f64;
            prop_assert_eq!(acc.mean(), Some(naive));
        }
    }
}
