//! The national-scale data set (`mamis demo --scale national`): Japan's whole population of
//! certified physicians, generated deterministically from a seed, for load and fault drills.

pub mod ids;
