//! What an exercise is: a topic, a goal, and for each seed a variant — a scenario drawn
//! from the exercise's ranges and the questions asked about it. The answers are never
//! written here: [`crate::course::query`] computes them by running the variant.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::query::Query;

/// One course exercise. Adding one is a matter of one file under `src/course/exercises/`
/// that implements this trait, and its line in [`crate::course::exercises::ALL`].
pub trait Exercise: Sync {
    /// Short and stable: the name on the command line and in answer files.
    fn id(&self) -> &'static str;
    /// The topic it belongs to.
    fn topic(&self) -> Topic;
    /// What a student learns from it, in one line.
    fn goal(&self) -> &'static str;
    /// The variant for the numbers `draw` gives: the same draws, the same variant.
    fn variant(&self, draw: &mut Draw) -> Variant;
}

/// The course's topics, in the order the course guide takes them; every one has an
/// exercise (a test checks it, through `Topic::iter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, strum::EnumIter)]
#[serde(rename_all = "kebab-case")]
pub enum Topic {
    IrpLifeCycle,
    Completion,
    CompletionPorts,
    DmaRings,
    Interrupts,
    DiskOrdering,
    Cancellation,
    Pipes,
    FilterDrivers,
}

impl Topic {
    pub fn title(self) -> &'static str {
        match self {
            Topic::IrpLifeCycle => "the IRP life cycle",
            Topic::Completion => "synchronous, APC and completion-port completion",
            Topic::CompletionPorts => "completion ports",
            Topic::DmaRings => "DMA rings and back-pressure",
            Topic::Interrupts => "interrupts, IRQL and DPCs",
            Topic::DiskOrdering => "disk ordering",
            Topic::Cancellation => "cancellation",
            Topic::Pipes => "pipes",
            Topic::FilterDrivers => "filter drivers",
        }
    }
}

/// A variant: the scenario (as the JSON an instructor would write) and its questions.
#[derive(Debug, Clone)]
pub struct Variant {
    pub scenario: serde_json::Value,
    pub questions: Vec<Question>,
}

/// One question: what is asked, in words with the variant's numbers, and the query that
/// computes its answer from the run.
#[derive(Debug, Clone)]
pub struct Question {
    /// `q1`, `q2`, …: the key of its answer in an answer file.
    pub id: String,
    pub ask: String,
    pub query: Query,
}

impl Variant {
    /// A variant of `scenario` with `questions`, numbered q1, q2, … in order.
    pub fn new(scenario: serde_json::Value, questions: Vec<(String, Query)>) -> Self {
        Variant {
            scenario,
            questions: questions
                .into_iter()
                .enumerate()
                .map(|(i, (ask, query))| Question {
                    id: format!("q{}", i + 1),
                    ask,
                    query,
                })
                .collect(),
        }
    }
}

/// The seeded numbers a variant is drawn from: a ChaCha8 stream of its own for each
/// exercise and seed (ChaCha8 is defined by its algorithm, so the same seed gives the
/// same variant on every machine and in every release). Ranges are mapped by iosim's own
/// arithmetic, not by `rand`'s samplers, whose algorithms may change between versions.
pub struct Draw {
    rng: ChaCha8Rng,
}

impl Draw {
    /// The numbers for exercise `id` under `seed`.
    pub fn new(id: &str, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(fnv1a(id));
        Draw { rng }
    }

    /// A whole number from `low` to `high`, both included.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        assert!(low <= high, "an empty range: {low}..={high}");
        let span = high - low + 1;
        // The bias of a remainder is below span / 2^64: nothing a variant can show.
        low + self.rng.next_u64() % span
    }

    /// One of `choices`.
    pub fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        let i = self.range(0, choices.len() as u64 - 1);
        choices[i as usize]
    }

    /// `n` different whole numbers from `low` to `high`, in the order drawn.
    pub fn distinct(&mut self, n: usize, low: u64, high: u64) -> Vec<u64> {
        assert!(
            high - low + 1 >= n as u64,
            "too few numbers to draw {n} different ones"
        );
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let x = self.range(low, high);
            if !out.contains(&x) {
                out.push(x);
            }
        }
        out
    }
}

/// FNV-1a: a fixed, documented hash, so an exercise's stream never moves.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_numbers() {
        let a: Vec<u64> = (0..8).map(|_| Draw::new("x", 3).range(0, 1000)).collect();
        let mut d = Draw::new("x", 3);
        let first = d.range(0, 1000);
        assert!(a.iter().all(|&n| n == first));
        let mut e = Draw::new("y", 3);
        let mut f = Draw::new("x", 4);
        let (x, y, z) = (
            d.range(0, u64::MAX - 1),
            e.range(0, u64::MAX - 1),
            f.range(0, u64::MAX - 1),
        );
        assert!(
            x != y && x != z,
            "streams of other exercises and seeds differ"
        );
    }

    #[test]
    fn the_stream_is_pinned_across_versions() {
        // If this fails, every exercise's variants change, and the course with them.
        let mut d = Draw::new("pinned", 1);
        assert_eq!(d.range(0, 999_999), PINNED);
    }

    const PINNED: u64 = 377_542;

    #[test]
    fn ranges_include_both_ends_and_nothing_else() {
        let mut d = Draw::new("r", 0);
        let seen: std::collections::BTreeSet<u64> = (0..200).map(|_| d.range(3, 5)).collect();
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(d.distinct(3, 1, 3).len(), 3);
    }
}
