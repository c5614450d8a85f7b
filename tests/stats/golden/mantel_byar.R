# Golden values for blinrwe.stats.mantel_byar: the Mantel-Byar test for a state entered after the start.
# Run from this folder:  Rscript mantel_byar.R   (writes mantel_byar.json; needs survival, jsonlite)
# R's reference: the score test of coxph(Surv(tstart, tstop, event) ~ state, ties = "exact") on the
# counting-process data that tmerge builds (state = tdc(switch_time); a switch at or after the last time
# does not count).
suppressPackageStartupMessages({library(survival); library(jsonlite)})

mb <- function(time, event, switch) {
  base <- data.frame(id = seq_along(time), time = time, event = event, switch = switch)
  tm <- tmerge(base[, c("id", "time", "event")], base, id = id, death = event(time, event),
               state = tdc(switch))
  tm$state[is.na(tm$state)] <- 0
  fit <- suppressWarnings(coxph(Surv(tstart, tstop, death) ~ state, data = tm, ties = "exact"))
  list(time = time, event = event, switch = ifelse(is.na(switch), NA, switch),
       chisq = unname(fit$score), p = unname(pchisq(fit$score, 1, lower.tail = FALSE)),
       intervals = nrow(tm))
}

# Stanford heart transplant (survival::jasa): days from acceptance; transplant as the state.
j <- jasa
futime <- as.numeric(j$fu.date - j$accept.dt)
futime[futime == 0] <- 0.5  # one patient died on the day of acceptance (stop must exceed start)
tx <- as.numeric(j$tx.date - j$accept.dt)   # two transplants on day 0; one on the last day

# A leukemia-like cohort: whole days, ties, transplant among responders after a few weeks.
set.seed(20261201)
n <- 150
os <- pmin(round(rexp(n, 1 / 400)) + 1, 730)
dead <- as.integer(os < 730 & runif(n) < 0.8)
hsct <- ifelse(runif(n) < 0.4, round(runif(n, 40, 160)), NA)
hsct[!is.na(hsct) & hsct >= os] <- NA  # transplanted patients were alive at transplant (most)
hsct[1:3] <- os[1:3]                   # ...but three switch on their last day (does not count)

cases <- list(
  jasa = mb(futime, j$fustat, tx),
  leukemia_like = mb(os, dead, hsct),
  switch_at_zero = mb(c(2, 3, 5, 7, 8, 10), c(1, 0, 1, 1, 0, 1), c(0, NA, 0, NA, 4, NA)),
  switch_on_death_day = mb(c(2, 4, 6, 8, 9), c(1, 1, 1, 0, 1), c(NA, 4, 1, 3, NA)),
  ties_across_interval_ends = mb(c(3, 3, 5, 5, 5, 8, 8, 9), c(1, 1, 1, 0, 1, 1, 0, 1), c(NA, 1, 3, 5, 2, NA, 3, 5)),
  switch_after_last_time = mb(c(2, 4, 6, 8), c(1, 0, 1, 1), c(NA, 7, 3, NA))
)
cases$`_meta` <- list(r = R.version.string, survival = as.character(packageVersion("survival")))
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), "mantel_byar.json")
