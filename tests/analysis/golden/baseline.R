# Golden p-values for the Table 1 tests (blinrwe.analysis.baseline).
# Run: Rscript baseline.R  (writes baseline.json beside this file)
library(jsonlite)
set.seed(20240430)
out <- list()
tab <- function(name, m) {
  e <- suppressWarnings(chisq.test(m))$expected
  if (any(e < 5)) p <- fisher.test(m)$p.value else p <- chisq.test(m)$p.value
  out[[name]] <<- list(kind = "categorical", table = unname(lapply(seq_len(nrow(m)), function(i) m[i, ])),
                       p = p, test = if (any(e < 5)) "fisher" else "chisq")
}
tab("chisq_2x2_yates", matrix(c(20, 15, 10, 25), nrow = 2, byrow = TRUE))
tab("chisq_3x2", matrix(c(30, 12, 18, 22, 25, 9), nrow = 3, byrow = TRUE))
tab("fisher_2x2", matrix(c(3, 7, 9, 2), nrow = 2, byrow = TRUE))
tab("fisher_2x3", matrix(c(2, 5, 1, 6, 1, 4), nrow = 2, byrow = TRUE))
cont <- function(name, groups) {
  if (length(groups) == 2) {
    p <- suppressWarnings(wilcox.test(groups[[1]], groups[[2]]))$p.value
  } else {
    p <- kruskal.test(groups)$p.value
  }
  out[[name]] <<- list(kind = "continuous", groups = unname(groups), p = p)
}
cont("wilcox_exact", list(c(1.1, 2.3, 3.7, 4.2, 8.8, 9.1), c(5.5, 6.1, 7.2, 10.4, 11.9, 12.3, 13.0)))
cont("wilcox_ties", list(c(1, 2, 2, 3, 4, 5, 5, 6), c(3, 4, 4, 6, 7, 8, 8, 9, 10)))
cont("wilcox_large", list(round(rnorm(60, 40, 12), 1), round(rnorm(55, 45, 12), 1)))
cont("kruskal_3", list(c(18, 25, 33, 41, 52), c(22, 29, 35, 47, 61, 64), c(19, 20, 27, 30)))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "baseline.json")
