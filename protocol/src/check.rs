//! Field constraints (issue #3 extends this to every rule of the tables and prose).
