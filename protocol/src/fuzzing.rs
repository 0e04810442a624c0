//! Harness code for the fuzz targets.
