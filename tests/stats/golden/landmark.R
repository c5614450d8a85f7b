# Golden values for blinrwe.stats.landmark: survival from a landmark by the state held at the landmark.
# Run from this folder:  Rscript landmark.R   (writes landmark.json; needs survival, jsonlite)
# R's reference, on the landmark subset: patients with follow-up beyond the landmark L (time > L), grouped
# by state = switched on or before L (switch <= L; NA = never); survfit(Surv(time - L, event) ~ state)
# (summary with censored = TRUE) and survdiff(Surv(time - L, event) ~ state).
suppressPackageStartupMessages({library(survival); library(jsonlite)})

lm_case <- function(time, event, switch, L, conf_type = "log-log") {
  keep <- time > L
  state <- as.integer(!is.na(switch) & switch <= L)
  sub <- data.frame(t = time[keep] - L, e = event[keep], state = state[keep])
  out <- list(time = time, event = event, switch = ifelse(is.na(switch), NA, switch), landmark = L,
              conf_type = conf_type, n_excluded = sum(!keep), n_events_before = sum(event[!keep]),
              n_at_risk = list(`0` = sum(sub$state == 0), `1` = sum(sub$state == 1)))
  if (nrow(sub) == 0) return(c(out, list(curve = NULL, chisq = NA, p = NA)))
  fit <- survfit(Surv(t, e) ~ state, data = sub, conf.type = conf_type)
  s <- summary(fit, censored = TRUE)
  strata <- if (is.null(s$strata)) rep(sub$state[1], length(s$time)) else
    as.integer(sub("state=", "", as.character(s$strata)))
  out$curve <- list(state = strata, time = s$time, n_risk = s$n.risk, n_event = s$n.event, survival = s$surv,
                    std_err = s$std.err, lower = s$lower, upper = s$upper)
  test <- if (length(unique(sub$state)) < 2 || sum(sub$e) == 0) NULL else
    tryCatch(survdiff(Surv(t, e) ~ state, data = sub), error = function(err) NULL)
  out$chisq <- if (is.null(test)) NA else test$chisq
  out$p <- if (is.null(test)) NA else pchisq(test$chisq, length(test$n) - 1, lower.tail = FALSE)
  out
}

# Stanford heart transplant (survival::jasa): days from acceptance; transplant as the state.
j <- jasa
futime <- as.numeric(j$fu.date - j$accept.dt)
futime[futime == 0] <- 0.5
tx <- as.numeric(j$tx.date - j$accept.dt)

# A leukemia-like cohort: whole days, ties, allo-HSCT among responders after a few weeks.
set.seed(20261202)
n <- 200
os <- pmin(round(rexp(n, 1 / 400)) + 1, 730)
dead <- as.integer(os < 730 & runif(n) < 0.8)
hsct <- ifelse(runif(n) < 0.4, round(runif(n, 30, 200)), NA)
hsct[!is.na(hsct) & hsct > os] <- NA
hsct[1:3] <- os[1:3]  # three switch on their last day

cases <- list(
  jasa_30 = lm_case(futime, j$fustat, tx, 30),
  jasa_90_log = lm_case(futime, j$fustat, tx, 90, "log"),
  jasa_365 = lm_case(futime, j$fustat, tx, 365),
  leukemia_like_100 = lm_case(os, dead, hsct, 100),
  leukemia_like_180 = lm_case(os, dead, hsct, 180, "plain"),
  switch_at_zero = lm_case(c(2, 3, 5, 7, 8, 10, 12), c(1, 0, 1, 1, 0, 1, 1), c(0, NA, 0, NA, 0, 4, NA), 0),
  switch_on_death_day = lm_case(c(2, 4, 6, 8, 9, 11), c(1, 1, 1, 0, 1, 1), c(NA, 4, 6, 3, 9, 1), 4),
  nobody_enters = lm_case(c(2, 4, 6, 8, 9), c(1, 1, 1, 0, 1), c(NA, NA, NA, NA, NA), 3),
  everyone_enters = lm_case(c(2, 4, 6, 8, 9), c(1, 1, 1, 0, 1), c(1, 1, 1, 2, 0), 3),
  beyond_follow_up = lm_case(c(2, 4, 6, 8, 9), c(1, 1, 1, 0, 1), c(1, NA, 1, 2, NA), 12),
  no_event_after = lm_case(c(2, 4, 6, 8, 9), c(1, 1, 0, 0, 0), c(1, NA, 1, NA, 2), 5),
  ties_across_interval_ends = lm_case(c(3, 3, 5, 5, 5, 8, 8, 9, 9, 12), c(1, 1, 1, 0, 1, 1, 0, 1, 1, 0),
                                      c(NA, 1, 3, 5, 2, NA, 3, 5, 5, 8), 5)
)
cases$`_meta` <- list(r = R.version.string, survival = as.character(packageVersion("survival")))
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"), "landmark.json")
