# Golden values for blinrwe.stats.kaplan_meier and blinrwe.stats.logrank.
# Run from this folder:  Rscript km_logrank.R   (writes km_logrank.json; needs survival, KMsurv, jsonlite)
# Tests read the JSON only; they never call R.
suppressPackageStartupMessages({library(survival); library(KMsurv); library(jsonlite)})

conf_types <- c("plain", "log", "log-log", "arcsin")
probs <- c(0.25, 0.5, 0.75)

# --- data sets ---------------------------------------------------------------
data(bmt, package = "KMsurv")
set.seed(20240501)
n_tied <- 300
tied <- data.frame(
  time = pmin(floor(rexp(n_tied, 1 / 200)), 400),       # whole days, many ties
  group = sample(c("A", "B", "C"), n_tied, replace = TRUE),
  stratum = sample(c("s1", "s2"), n_tied, replace = TRUE))
tied$event <- as.integer(runif(n_tied) < 0.7 & tied$time < 400)  # administrative censoring at 400
tied$time[tied$group == "B"] <- pmin(tied$time[tied$group == "B"] + 20, 400)

km_sets <- list(
  # 6 subjects, checkable by hand: S = 5/6, 5/6*3/4, ..., Greenwood by hand.
  hand6 = list(time = c(2, 3, 3, 5, 7, 9), event = c(1, 1, 0, 1, 0, 1)),
  # Freireich 6-MP arm (Gehan 1965), the textbook example.
  gehan_6mp = list(time = c(6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35),
                   event = c(1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0)),
  aml = list(time = aml$time, event = aml$status),
  bmt_dfs = list(time = bmt$t2, event = bmt$d3),
  tied_days = list(time = tied$time, event = tied$event),
  ties_event_censor = list(time = c(1, 2, 2, 2, 3, 3, 4, 4), event = c(1, 1, 0, 1, 0, 1, 0, 1)),
  flat_at_half_then_event = list(time = c(1, 2, 3, 5, 6, 7), event = c(1, 1, 1, 1, 1, 1)),
  flat_at_half_to_end = list(time = c(1, 2, 3, 4, 5, 6), event = c(1, 1, 1, 0, 0, 0)),
  all_censored = list(time = c(2, 4, 6), event = c(0, 0, 0)),
  last_censored = list(time = c(1, 3, 4, 8, 10), event = c(1, 0, 1, 1, 0)),
  last_event = list(time = c(1, 2, 3, 4), event = c(1, 0, 1, 1)),
  events_at_zero = list(time = c(0, 0, 1, 2, 3, 5), event = c(1, 0, 1, 0, 1, 0)),
  single_event = list(time = c(5), event = c(1)),
  single_censored = list(time = c(5), event = c(0))
)

landmarks_for <- function(t) {
  sort(unique(c(0, as.numeric(quantile(t, c(0.25, 0.5, 0.9), type = 1)), max(t), max(t) + 10)))
}

km_case <- function(name, d, ct) {
  fit <- survfit(Surv(d$time, d$event) ~ 1, conf.type = ct)
  q <- quantile(fit, probs = probs)
  lm <- landmarks_for(d$time)
  s <- summary(fit, times = lm, extend = TRUE)
  rev <- survfit(Surv(d$time, 1 - d$event) ~ 1, conf.type = ct)
  rq <- quantile(rev, probs = 0.5)
  list(
    name = name, conf_type = ct, time = d$time, event = d$event,
    table = list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
                 survival = fit$surv, se_cumhaz = fit$std.err, lower = fit$lower, upper = fit$upper),
    quantiles = list(p = probs, estimate = unname(q$quantile), lower = unname(q$lower), upper = unname(q$upper)),
    landmarks = list(time = s$time, n_risk = s$n.risk, survival = s$surv, std_err = s$std.err,
                     lower = s$lower, upper = s$upper),
    reverse_km_median = list(estimate = unname(rq$quantile), lower = unname(rq$lower), upper = unname(rq$upper)),
    simple_median = median(d$time)
  )
}

km <- list()
for (nm in names(km_sets)) for (ct in conf_types) km[[length(km) + 1]] <- km_case(nm, km_sets[[nm]], ct)

# also a 90% level on aml
fit90 <- survfit(Surv(time, status) ~ 1, data = aml, conf.type = "log-log", conf.int = 0.90)
q90 <- quantile(fit90, probs = probs)
km90 <- list(name = "aml_90", conf_type = "log-log", level = 0.90, time = aml$time, event = aml$status,
             lower = fit90$lower, upper = fit90$upper,
             quantiles = list(p = probs, estimate = unname(q90$quantile), lower = unname(q90$lower),
                              upper = unname(q90$upper)))

# --- log-rank ------------------------------------------------------------------
lr_case <- function(name, time, event, group, strata = NULL, scores = NULL) {
  if (is.null(strata)) sd <- survdiff(Surv(time, event) ~ group)
  else sd <- survdiff(Surv(time, event) ~ group + strata(strata))
  obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  ex <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  df <- sum(ex > 0) - 1
  out <- list(name = name, time = time, event = event, group = as.character(group),
              strata = if (is.null(strata)) NULL else as.character(strata),
              groups = sub("^group=", "", names(sd$n)), n = as.numeric(sd$n),
              observed = obs, expected = ex, var = sd$var, chisq = sd$chisq, df = df,
              p = pchisq(sd$chisq, df, lower.tail = FALSE))
  if (!is.null(scores)) {
    # Test for trend: (w'(O-E))^2 / (w' V w), V = survdiff's variance of O-E (1 df).
    u <- sum(scores * (obs - ex))
    v <- as.numeric(t(scores) %*% sd$var %*% scores)
    out$trend <- list(scores = scores, chisq = u^2 / v, p = pchisq(u^2 / v, 1, lower.tail = FALSE))
  }
  out
}

logrank <- list(
  lr_case("aml", aml$time, aml$status, aml$x),
  lr_case("bmt_dfs_3groups", bmt$t2, bmt$d3, bmt$group, scores = c(1, 2, 3)),
  lr_case("tied_days_3groups", tied$time, tied$event, tied$group, scores = c(1, 2, 3)),
  lr_case("tied_days_3groups_stratified", tied$time, tied$event, tied$group, strata = tied$stratum,
          scores = c(0, 1, 4)),
  lr_case("tied_days_2groups_stratified", tied$time[tied$group != "C"], tied$event[tied$group != "C"],
          tied$group[tied$group != "C"], strata = tied$stratum[tied$group != "C"]),
  lr_case("hand_2groups", c(1, 2, 2, 3, 4, 5, 6, 7), c(1, 1, 0, 1, 1, 0, 1, 0), c(1, 2, 1, 2, 1, 2, 1, 2))
)

writeLines(toJSON(list(generator = "tests/stats/golden/km_logrank.R", r_version = R.version.string,
                       survival_version = as.character(packageVersion("survival")),
                       km = km, km90 = km90, logrank = logrank),
                  digits = NA, auto_unbox = TRUE, na = "null", null = "null", pretty = FALSE),
           "km_logrank.json")
