# Golden p values for blinrwe.stats.fisher_exact from R fisher.test (r x c, default workspace = 200000).
# Run from this folder:  cd tests/stats/golden && Rscript fisher.R   (writes fisher.json)
# A table R cannot compute with its default workspace is kept with p = null and R's error message.
library(jsonlite)
tabs <- list(
  t2x3_small = matrix(c(2, 5, 1, 6, 1, 4), nrow = 2, byrow = TRUE),
  t3x4_small = matrix(c(3, 1, 0, 2, 1, 4, 2, 0, 0, 2, 3, 1), nrow = 3, byrow = TRUE),
  t4x3_n412 = matrix(c(120, 95, 2, 80, 70, 6, 10, 12, 5, 4, 3, 5), nrow = 4, byrow = TRUE),
  t4x3_n412_flat = matrix(c(118, 97, 1, 82, 68, 4, 12, 9, 5, 7, 4, 5), nrow = 4, byrow = TRUE),
  t2x5_n300 = matrix(c(100, 30, 10, 5, 2, 90, 40, 15, 6, 2), nrow = 2, byrow = TRUE),
  t3x3_n150 = matrix(c(40, 10, 3, 35, 15, 2, 30, 10, 5), nrow = 3, byrow = TRUE),
  t2x6_n500 = matrix(c(150, 60, 20, 10, 8, 2, 140, 70, 25, 8, 4, 3), nrow = 2, byrow = TRUE),
  t3x5_n250 = matrix(c(50, 20, 8, 3, 1, 55, 25, 6, 2, 2, 45, 20, 8, 4, 1), nrow = 3, byrow = TRUE),
  t2x4_zero_cell = matrix(c(30, 1, 0, 2, 41, 4, 2, 0), nrow = 2, byrow = TRUE),
  t3x2_ties = matrix(c(5, 5, 5, 5, 5, 5), nrow = 3, byrow = TRUE),
  t5x4_n200 = matrix(c(20, 10, 5, 2, 25, 12, 4, 1, 22, 8, 6, 3, 18, 14, 3, 2, 25, 10, 6, 4), nrow = 5, byrow = TRUE)
)
out <- lapply(names(tabs), function(nm) {
  m <- tabs[[nm]]
  r <- tryCatch(list(p = fisher.test(m)$p.value, error = NULL),
                error = function(e) list(p = NULL, error = conditionMessage(e)))
  list(name = nm, table = unname(lapply(seq_len(nrow(m)), function(i) m[i, ])), p = r$p, r_error = r$error)
})
writeLines(toJSON(list(generator = "tests/stats/golden/fisher.R", r_version = R.version.string, cases = out),
                  digits = NA, auto_unbox = TRUE, null = "null", pretty = TRUE), "fisher.json")
