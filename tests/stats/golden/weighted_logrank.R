# Golden values for blinrwe.stats.logrank(..., rho=): Peto-Peto and Fleming-Harrington G(rho) weighted tests.
# Run from this folder:  Rscript weighted_logrank.R   (writes weighted_logrank.json; needs survival, KMsurv, jsonlite)
# R's reference: survdiff(Surv(time, status) ~ group [+ strata(s)], rho = rho); weights S(t-)^rho with S the
# left-continuous Kaplan-Meier of the pooled sample (per stratum).
suppressPackageStartupMessages({library(survival); library(KMsurv); library(jsonlite)})
data(bmt, package = "KMsurv")
set.seed(20261201)
n <- 240
tied <- data.frame(time = pmin(floor(rexp(n, 1 / 200)), 400), group = sample(c("A", "B", "C"), n, replace = TRUE),
                   stratum = sample(c("s1", "s2"), n, replace = TRUE))
tied$status <- as.integer(runif(n) < 0.7 & tied$time < 400)
tied$time[tied$group == "B"] <- pmin(tied$time[tied$group == "B"] + 25, 400)
sets <- list(
  aml = data.frame(time = aml$time, status = aml$status, group = as.character(aml$x), stratum = "all"),
  bmt_dfs = data.frame(time = bmt$t2, status = bmt$d3, group = paste0("g", bmt$group), stratum = ifelse(bmt$z3 == 1, "a", "b")),
  tied_days = tied
)
one <- function(d, rho, stratified) {
  f <- if (stratified) Surv(time, status) ~ group + strata(stratum) else Surv(time, status) ~ group
  s <- survdiff(f, data = d, rho = rho)
  list(rho = rho, stratified = stratified, chisq = s$chisq, observed = unname(if (is.matrix(s$obs)) rowSums(s$obs) else s$obs),
       expected = unname(if (is.matrix(s$exp)) rowSums(s$exp) else s$exp), variance = unname(c(s$var)))
}
out <- lapply(sets, function(d) list(time = d$time, status = d$status, group = d$group, stratum = d$stratum,
  results = c(lapply(c(0, 0.5, 1, 2), function(r) one(d, r, FALSE)),
              if (length(unique(d$stratum)) > 1) lapply(c(0, 1), function(r) one(d, r, TRUE)) else list())))
out$`_meta` <- list(r = R.version.string, survival = as.character(packageVersion("survival")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "weighted_logrank.json")
