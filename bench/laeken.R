# Times R laeken on the data written by the headline example (raw f64 files).
# Rscript bench/laeken.R DIR [REPS]
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
reps <- if (length(args) > 1) as.integer(args[2]) else 3
n <- file.info(file.path(dir, "x.bin"))$size / 8
x <- readBin(file.path(dir, "x.bin"), "double", n = n, endian = "little")
w <- readBin(file.path(dir, "w.bin"), "double", n = n, endian = "little")
suppressPackageStartupMessages(library(laeken))
time_it <- function(label, f) {
  v <- NULL
  t <- replicate(reps, system.time(v <<- f())[["elapsed"]])
  cat(sprintf("laeken %-8s median %.3f s over %d runs (value %.12g)\n", label, median(t), reps, as.numeric(v$value)))
}
cat(sprintf("R %s, laeken %s, n = %d\n", getRversion(), packageVersion("laeken"), n))
time_it("gini", function() gini(x, weights = w))
time_it("arpr", function() arpr(x, weights = w))
time_it("qsr", function() qsr(x, weights = w))
