# Golden values for blinrwe.stats.simon_makuch: Kaplan-Meier by current state (Simon & Makuch 1984).
# Run from this folder:  Rscript simon_makuch.R   (writes simon_makuch.json; needs survival, jsonlite)
# R's reference: survfit(Surv(tstart, tstop, event) ~ state) on the tmerge data, one row per stop time.
suppressPackageStartupMessages({library(survival); library(jsonlite)})
j <- jasa
futime <- as.numeric(j$fu.date - j$accept.dt)
futime[futime == 0] <- 0.5
tx <- as.numeric(j$tx.date - j$accept.dt)
set.seed(20261201)
n <- 150
os <- pmin(round(rexp(n, 1 / 400)) + 1, 730)
dead <- as.integer(os < 730 & runif(n) < 0.8)
hsct <- ifelse(runif(n) < 0.4, round(runif(n, 40, 160)), NA)

curves <- function(time, event, switch, conf_type) {
  base <- data.frame(id = seq_along(time), time = time, event = event, switch = switch)
  tm <- tmerge(base[, c("id", "time", "event")], base, id = id, death = event(time, event), state = tdc(switch))
  tm$state[is.na(tm$state)] <- 0
  fit <- survfit(Surv(tstart, tstop, death) ~ state, data = tm, conf.type = conf_type)
  s <- summary(fit, censored = TRUE)
  list(tstart = tm$tstart, tstop = tm$tstop, event = tm$death, state = tm$state, conf_type = conf_type,
       curve = list(state = as.integer(sub("state=", "", as.character(s$strata))), time = s$time,
                    n_risk = s$n.risk, n_event = s$n.event, survival = s$surv, std_err = s$std.err,
                    lower = s$lower, upper = s$upper))
}
cases <- list(
  jasa_loglog = curves(futime, j$fustat, tx, "log-log"),
  jasa_log = curves(futime, j$fustat, tx, "log"),
  leukemia_like = curves(os, dead, hsct, "log-log")
)
cases$`_meta` <- list(r = R.version.string, survival = as.character(packageVersion("survival")))
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), "simon_makuch.json")
