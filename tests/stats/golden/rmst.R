# Golden values for blinrwe.stats.rmst: restricted mean survival time to tau.
# Run from this folder:  Rscript rmst.R   (writes rmst.json; needs survival, KMsurv, jsonlite)
# R's reference: summary(survfit(Surv(time, status) ~ group), rmean = tau)$table, columns
# "rmean" and "se(rmean)" (survival:::survmean; the curve is extended flat beyond the last time).
suppressPackageStartupMessages({library(survival); library(KMsurv); library(jsonlite)})

data(bmt, package = "KMsurv")
set.seed(20261201)
n_tied <- 200
tied <- data.frame(time = pmin(floor(rexp(n_tied, 1 / 150)), 365), group = sample(c("A", "B"), n_tied, replace = TRUE))
tied$event <- as.integer(runif(n_tied) < 0.7 & tied$time < 365)
tied$time[tied$group == "B"] <- pmin(tied$time[tied$group == "B"] + 30, 365)

sets <- list(
  hand6 = list(time = c(2, 3, 3, 5, 7, 9), event = c(1, 1, 0, 1, 0, 1), group = rep("all", 6),
               taus = c(2, 3, 4.5, 9, 12)),
  aml = list(time = aml$time, event = aml$status, group = as.character(aml$x), taus = c(10, 24, 48, 161, 200)),
  bmt_dfs = list(time = bmt$t2, event = bmt$d3, group = as.character(bmt$group), taus = c(365, 1000, 2640)),
  tied_days = list(time = tied$time, event = tied$event, group = tied$group, taus = c(30, 180, 365)),
  all_events = list(time = c(1, 2, 2, 4, 5), event = c(1, 1, 1, 1, 1), group = rep("all", 5), taus = c(3, 5, 8)),
  all_censored = list(time = c(2, 4, 6), event = c(0, 0, 0), group = rep("all", 3), taus = c(3, 10)),
  last_censored = list(time = c(1, 3, 4, 8, 10), event = c(1, 0, 1, 1, 0), group = rep("all", 5), taus = c(8, 10, 15)),
  events_at_zero = list(time = c(0, 0, 1, 2, 3, 5), event = c(1, 0, 1, 0, 1, 0), group = rep("all", 6), taus = c(0.5, 4))
)

one <- function(s, tau) {
  d <- data.frame(time = s$time, event = s$event, group = s$group)
  fit <- if (length(unique(d$group)) > 1) survfit(Surv(time, event) ~ group, data = d) else survfit(Surv(time, event) ~ 1, data = d)
  tab <- summary(fit, rmean = tau)$table
  if (is.null(dim(tab))) tab <- matrix(tab, nrow = 1, dimnames = list("all", names(tab)))
  groups <- if (length(unique(d$group)) > 1) sub("^group=", "", rownames(tab)) else "all"
  list(tau = tau, group = groups, rmst = unname(tab[, "rmean"]), se = unname(tab[, "se(rmean)"]))
}

out <- lapply(sets, function(s) list(time = s$time, event = s$event, group = s$group,
                                     results = lapply(s$taus, function(tau) one(s, tau))))
out$`_meta` <- list(r = R.version.string, survival = as.character(packageVersion("survival")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "rmst.json")
