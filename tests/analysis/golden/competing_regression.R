# Golden values for blinrwe.analysis.competing_regression, group_tests and summary_measures:
# the analysis layer, fed the same patients, must print what R prints.
# Run from this folder:  Rscript competing_regression.R   (writes competing_regression.json;
# needs survival, cmprsk, jsonlite)
# - cause-specific Cox: coxph(Surv(time, status == 1) ~ age + ph, ties = "efron")
# - Fine-Gray: crr(time, status, cov1, failcode = 1, cencode = 0), run to convergence
# - stratified Peto-Peto: survdiff(Surv(time, status != 0 ...)) on the OS-like endpoint, rho = 1, + strata(site)
# - stratified Cox: coxph(Surv(os_time, os_event) ~ age + strata(site))
# - RMST to tau (also beyond follow-up: R extends the curve flat) and S1 - S2 at fixed times
suppressPackageStartupMessages({library(survival); library(cmprsk); library(jsonlite)})

set.seed(20261202)
n <- 160
age <- round(runif(n, 18, 75))
ph <- sample(c("negative", "positive"), n, replace = TRUE, prob = c(0.65, 0.35))
site <- sample(c("A", "B", "C"), n, replace = TRUE)
rate1 <- 1 / 14 * exp(0.7 * (ph == "positive"))
rate2 <- 1 / 40 * exp(0.03 * (age - 45))
t1 <- rexp(n, rate1); t2 <- rexp(n, rate2); cens <- runif(n, 3, 30)
tt <- pmin(t1, t2, cens)
time <- round(tt, 1)
status <- ifelse(tt == cens, 0, ifelse(t1 < t2, 1, 2))
os_time <- round(pmin(rexp(n, 1 / 30 * exp(0.5 * (ph == "positive"))), cens * 1.2), 1)
os_event <- as.integer(os_time < round(cens * 1.2, 1))
# a level with no relapses: "rare" patients never relapse (monotone likelihood / NE)
rare <- ifelse(status != 1 & runif(n) < 0.15, "yes", "no")
d <- data.frame(time, status, age, ph = factor(ph), site, os_time, os_event, rare = factor(rare))

cs <- coxph(Surv(time, status == 1) ~ age + ph, data = d, ties = "efron")
x <- model.matrix(~ age + ph, data = d)[, -1]
fg <- crr(d$time, d$status, cov1 = x, failcode = 1, cencode = 0, gtol = 1e-12, maxiter = 100)
fg_se <- sqrt(diag(fg$var))
peto <- survdiff(Surv(os_time, os_event) ~ ph + strata(site), data = d, rho = 1)
strat_cox <- coxph(Surv(os_time, os_event) ~ age + strata(site), data = d)
taus <- c(12, max(d$os_time) + 10)
rm <- lapply(taus, function(tau) {
  tab <- summary(survfit(Surv(os_time, os_event) ~ ph, data = d), rmean = tau)$table
  list(tau = tau, rmst = unname(tab[, "rmean"]), se = unname(tab[, "se(rmean)"]))
})
times <- c(6, 12)
s <- lapply(levels(d$ph), function(g) summary(survfit(Surv(os_time, os_event) ~ 1, data = d[d$ph == g, ]), times = times))
diff <- s[[1]]$surv - s[[2]]$surv
dse <- sqrt(s[[1]]$std.err^2 + s[[2]]$std.err^2)
cs_rare <- suppressWarnings(coxph(Surv(time, status == 1) ~ rare, data = d))
# a cause with no events: crr stops ("system is exactly singular"); blinrwe gives NE with the reason
no_cause <- try(crr(d$time, ifelse(d$status == 1, 0, d$status), cov1 = x, failcode = 1, cencode = 0), silent = TRUE)
# tau beyond follow-up of an all-censored group: R carries S = 1 flat to tau (rmean = tau, se 0)
flat <- summary(survfit(Surv(t, e) ~ g, data = data.frame(t = c(1, 2, 3, 4), e = c(0, 1, 0, 0),
                                                          g = c("a", "a", "b", "b"))), rmean = 10)$table

out <- list(
  data = d,
  cause_specific = list(term = names(coef(cs)), coef = unname(coef(cs)), se = unname(sqrt(diag(vcov(cs)))),
                        p = unname(summary(cs)$coefficients[, "Pr(>|z|)"])),
  fine_gray = list(coef = unname(fg$coef), se = unname(fg_se), p = unname(2 * pnorm(-abs(fg$coef / fg_se)))),
  peto_stratified = list(chisq = peto$chisq, p = pchisq(peto$chisq, 1, lower.tail = FALSE)),
  stratified_cox = list(coef = unname(coef(strat_cox)), se = unname(sqrt(diag(vcov(strat_cox))))),
  rmst = rm,
  survival_difference = list(times = times, difference = diff, se = dse, p = 2 * pnorm(-abs(diff / dse))),
  cause_specific_rare = list(coef = unname(coef(cs_rare)), relapses_in_yes = sum(d$status == 1 & d$rare == "yes")),
  crr_no_cause_events_fails = inherits(no_cause, "try-error"),
  rmst_flat_beyond = list(time = c(1, 2, 3, 4), event = c(0, 1, 0, 0), group = c("a", "a", "b", "b"), tau = 10,
                          rmst = unname(flat[, "rmean"]), se = unname(flat[, "se(rmean)"])),
  `_meta` = list(r = R.version.string, survival = as.character(packageVersion("survival")),
                 cmprsk = as.character(packageVersion("cmprsk")))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, dataframe = "columns"), "competing_regression.json")
