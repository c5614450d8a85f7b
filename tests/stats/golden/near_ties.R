# Golden values for times that differ only by floating-point noise (near ties).
# Run from this folder:  cd tests/stats/golden && Rscript near_ties.R   (writes near_ties.json)
#
# survival's survfit and survdiff (timefix = TRUE, the default) pass the times through
# aeqSurv: distinct times within sqrt(.Machine$double.eps) of each other, absolutely or
# relative to the mean distinct time, are one tie at the smallest of them.
# cmprsk::cuminc compares times exactly; its values here are for the times tied by
# survival's aeqSurv (the rule blinrwe applies to cumulative incidence as well).
#
# jsonlite writes at most 15 significant digits, which would erase the near ties, so the
# input times (and the CIF evaluation times) are written as "%.17g" strings (exact round
# trip); outputs are numbers.
suppressPackageStartupMessages({library(survival); library(cmprsk); library(jsonlite)})

exact <- function(x) sprintf("%.17g", x)

set.seed(20261201)
n <- 80
days <- rep(sample(1:720, n / 2), each = 2)  # every day count twice
# months computed two ways, as when two data sources are merged: d / 30.4375 and d / 365.25 * 12
two_ways <- ifelse(seq_len(n) %% 2 == 0, days / 30.4375, days / 365.25 * 12)
months <- data.frame(
  time = two_ways,
  event = as.integer(runif(n) < 0.65),
  status = sample(0:2, n, replace = TRUE, prob = c(0.35, 0.4, 0.25)),
  group = sample(c("A", "B"), n, replace = TRUE),
  stratum = sample(c("s1", "s2"), n, replace = TRUE))
stopifnot(any(days / 30.4375 != days / 365.25 * 12))

km_sets <- list(
  # the example of issue 7: 0.1 + 0.2 and 0.3 are one time with two events
  sum_vs_literal = list(time = c(0.1 + 0.2, 0.3, 1), event = c(1, 1, 0)),
  # a censoring a hair after a death is at risk at that death (events precede censorings)
  censor_after_event = list(time = c(0.3, 0.1 + 0.2, 0.7, 0.1 * 7, 1.1, 2), event = c(1, 0, 1, 1, 0, 1)),
  # a chain of steps of 1e-9 (each below the absolute tolerance) is one tie
  chain = list(time = c(1, 1 + 1e-9, 1 + 2e-9, 1 + 3e-9, 2, 3), event = c(1, 1, 0, 1, 1, 0)),
  # relative tolerance: seconds near 1e8 that differ by 1 or 2 are one tie, by 1000 are not
  relative = list(time = 1e8 + c(0, 1, 2, 1000, 1001, 5000, 9000, 9000), event = c(1, 1, 0, 1, 0, 1, 1, 0)),
  months_two_ways = list(time = months$time, event = months$event)
)

km <- lapply(names(km_sets), function(nm) {
  d <- km_sets[[nm]]
  fit <- survfit(Surv(d$time, d$event) ~ 1, conf.type = "log-log")
  q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
  list(name = nm, time = exact(d$time), event = d$event,
       table = list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
                    survival = fit$surv, se_cumhaz = fit$std.err, lower = fit$lower, upper = fit$upper),
       quantiles = list(p = c(0.25, 0.5, 0.75), estimate = unname(q$quantile), lower = unname(q$lower),
                        upper = unname(q$upper)))
})

lr <- function(name, d, strata = FALSE) {
  sd <- if (strata) survdiff(Surv(time, event) ~ group + strata(stratum), data = d)
        else survdiff(Surv(time, event) ~ group, data = d)
  obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  ex <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  list(name = name, time = exact(d$time), event = d$event, group = d$group,
       strata = if (strata) d$stratum else NULL,
       observed = obs, expected = ex, var = sd$var, chisq = sd$chisq, df = sum(ex > 0) - 1,
       p = pchisq(sd$chisq, sum(ex > 0) - 1, lower.tail = FALSE))
}
small <- data.frame(time = c(0.1 + 0.2, 0.3, 0.3, 0.6, 0.1 * 6, 0.9, 1.2, 1.5),
                    event = c(1, 1, 0, 1, 1, 1, 0, 1), group = c("A", "B", "A", "A", "B", "B", "A", "B"))
logrank <- list(lr("small_two_groups", small), lr("months_two_ways", months),
                lr("months_two_ways_stratified", months, strata = TRUE))

# cumulative incidence: cmprsk on the times tied by survival's aeqSurv
tied_time <- aeqSurv(Surv(months$time, months$status > 0))[, 1]
fit <- cuminc(tied_time, months$status, group = months$group)
tms <- sort(unique(c(0, tied_time, max(tied_time) + 1)))
tp <- timepoints(fit, tms)
cif <- list(name = "months_two_ways", time = exact(months$time), status = months$status, group = months$group,
            n_distinct_raw = length(unique(months$time)), n_distinct_tied = length(unique(tied_time)),
            times = exact(tms),
            curves = lapply(rownames(tp$est), function(nm) {
              parts <- strsplit(nm, " ")[[1]]
              list(group = parts[1], cause = as.integer(parts[2]), est = unname(tp$est[nm, ]),
                   var = unname(tp$var[nm, ]))
            }),
            tests = list(cause = as.integer(rownames(fit$Tests)), stat = unname(fit$Tests[, "stat"]),
                         p = unname(fit$Tests[, "pv"])))

writeLines(toJSON(list(generator = "tests/stats/golden/near_ties.R", r_version = R.version.string,
                       survival_version = as.character(packageVersion("survival")),
                       cmprsk_version = as.character(packageVersion("cmprsk")),
                       km = km, logrank = logrank, cif = cif),
                  digits = NA, auto_unbox = TRUE, na = "null", null = "null", pretty = FALSE),
           "near_ties.json")
