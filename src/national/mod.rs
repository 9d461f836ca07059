//! The national-scale data set (`mamis demo --scale national`): Japan's whole population of
//! certified physicians, generated deterministically from a seed, for load and fault drills.

pub mod applications;
pub mod ids;
mod load;
pub mod names;
pub mod people;
pub mod progress;
pub mod seminars;
mod staff;

pub use load::{load, load_with, Options};

use rand::rngs::StdRng;
use rand::SeedableRng;

/// How much to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    pub physicians: u32,
    pub seminars: u32,
    /// Credit rows (one per seminar × attendee × category).
    pub credits: u64,
    pub applications: u32,
    /// Attendees who never registered (their credits stay unmatched).
    pub unregistered: u32,
}

impl Scale {
    /// Japan: 100,000 physicians, 20,000 seminars, 2,000,000 credits, 30,000 applications.
    pub fn national() -> Scale {
        Scale {
            physicians: 100_000,
            seminars: 20_000,
            credits: 2_000_000,
            applications: 30_000,
            unregistered: 20_000,
        }
    }

    /// The living demo's neighbours: enough for every list to have pages and every state to
    /// appear, small enough to load in a few seconds.
    pub fn demo() -> Scale {
        Scale { physicians: 200, seminars: 60, credits: 2_000, applications: 80, unregistered: 40 }
    }

    /// A few hundred people, for tests.
    pub fn tiny() -> Scale {
        Scale { physicians: 300, seminars: 40, credits: 3_000, applications: 120, unregistered: 60 }
    }
}

/// The generator of one entity (`n`) of one kind (`stream`): every entity has its own, so a
/// person or seminar does not change when the scale or the generation order does.
pub(crate) fn rng_for(seed: u64, stream: u64, n: u64) -> StdRng {
    // SplitMix64 finaliser over the three inputs.
    let mut z = seed
        .wrapping_add(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(n.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    StdRng::seed_from_u64(z ^ (z >> 31))
}
