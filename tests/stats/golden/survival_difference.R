# Golden values for blinrwe.stats.survival_difference: S1(t) - S2(t) at fixed times, Greenwood SEs.
# Run from this folder:  Rscript survival_difference.R   (writes survival_difference.json; needs survival, KMsurv, jsonlite)
# R's reference: summary(survfit(Surv(time, status) ~ group), times = t) (surv, std.err), the difference
# first minus second level with se = sqrt(se1^2 + se2^2), a normal CI and a two-sided Wald p.
suppressPackageStartupMessages({library(survival); library(KMsurv); library(jsonlite)})
data(bmt, package = "KMsurv")
one <- function(time, status, group, times) {
  lev <- sort(unique(group))
  s <- lapply(lev, function(g) summary(survfit(Surv(time[group == g], status[group == g]) ~ 1), times = times))
  d <- s[[1]]$surv - s[[2]]$surv
  se <- sqrt(s[[1]]$std.err^2 + s[[2]]$std.err^2)
  list(time = time, status = status, group = group, times = times, levels = lev,
       surv1 = s[[1]]$surv, surv2 = s[[2]]$surv, se1 = s[[1]]$std.err, se2 = s[[2]]$std.err,
       difference = d, se = se, lower = d - qnorm(0.975) * se, upper = d + qnorm(0.975) * se,
       p = 2 * pnorm(-abs(d / se)))
}
keep <- bmt$group != 3
cases <- list(
  aml = one(aml$time, aml$status, as.character(aml$x), c(6, 12, 24, 30)),
  bmt_dfs = one(bmt$t2[keep], bmt$d3[keep], paste0("g", bmt$group[keep]), c(100, 365, 730, 1500))
)
cases$`_meta` <- list(r = R.version.string, survival = as.character(packageVersion("survival")))
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, pretty = TRUE), "survival_difference.json")
