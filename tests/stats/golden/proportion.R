# Golden values for blinrwe.stats.proportion_ci.
# Run from this folder: Rscript proportion.R  (writes proportion.json)
# R base stats: binom.test (Clopper-Pearson) and prop.test(correct = FALSE) (Wilson score);
# the Wald interval (SAS PROC FREQ BINOMIAL's default asymptotic limits) from its formula,
# p -/+ qnorm(1 - alpha/2) * sqrt(p (1 - p) / n), clipped to [0, 1].
library(jsonlite)
cases <- list(c(12, 15), c(0, 10), c(10, 10), c(1, 1), c(0, 1), c(3, 30), c(25, 30),
              c(1, 2), c(50, 100), c(7, 1000), c(999, 1000))
levels <- c(0.95, 0.90, 0.99)
out <- list()
for (x in cases) for (lv in levels) {
  b <- binom.test(x[1], x[2], conf.level = lv)$conf.int
  w <- suppressWarnings(prop.test(x[1], x[2], correct = FALSE, conf.level = lv)$conf.int)
  p <- x[1] / x[2]
  half <- qnorm(1 - (1 - lv) / 2) * sqrt(p * (1 - p) / x[2])
  out[[length(out) + 1]] <- list(k = x[1], n = x[2], level = lv,
                                 clopper_pearson = c(b[1], b[2]), wilson = c(w[1], w[2]),
                                 wald = c(max(0, p - half), min(1, p + half)))
}
writeLines(toJSON(list(generator = "tests/stats/golden/proportion.R",
                       r_version = R.version.string, cases = out),
                  digits = NA, auto_unbox = TRUE, pretty = TRUE), "proportion.json")
