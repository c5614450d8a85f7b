# Golden values for blinrwe.stats.fine_gray: the Fine-Gray subdistribution hazard model.
# Run from this folder:  Rscript fine_gray.R   (writes fine_gray.json; needs cmprsk, KMsurv, jsonlite)
# R's reference: cmprsk::crr(ftime, fstatus, cov1 = model.matrix(...)[, -1], failcode, cencode = 0),
# run to convergence (gtol = 1e-12, maxiter = 100) so that both sides report the maximiser.
suppressPackageStartupMessages({library(cmprsk); library(KMsurv); library(jsonlite)})

fg <- function(d, formula, failcode = 1) {
  x <- model.matrix(formula, data = d)[, -1, drop = FALSE]
  fit <- crr(d$time, d$status, cov1 = x, failcode = failcode, cencode = 0, gtol = 1e-12, maxiter = 100)
  se <- sqrt(diag(fit$var))
  list(time = d$time, status = d$status, covariates = lapply(d[, setdiff(names(d), c("time", "status")), drop = FALSE], identity),
       levels = Filter(Negate(is.null), lapply(d, levels)), failcode = failcode, term = colnames(x), coef = unname(fit$coef), se = unname(se),
       p = unname(2 * pnorm(-abs(fit$coef / se))), loglik = fit$loglik, loglik_null = fit$loglik.null, converged = fit$converged)
}

# Bone marrow transplant for acute leukaemia (Klein & Moeschberger, KMsurv::bmt): relapse (1) vs death in
# remission (2) by disease group and patient age.
data(bmt, package = "KMsurv")
b <- data.frame(time = bmt$t2, status = ifelse(bmt$d2 == 1, 1, ifelse(bmt$d3 == 1, 2, 0)),
                group = factor(bmt$group, labels = c("ALL", "AML_low", "AML_high")), age = bmt$z1)

# A leukaemia-like cohort in whole days: relapse, non-relapse mortality, censoring, many ties.
set.seed(20261201)
n <- 240
age <- round(runif(n, 18, 75))
ph <- factor(sample(c("negative", "positive"), n, replace = TRUE, prob = c(0.7, 0.3)))
mrd <- factor(sample(c("negative", "positive"), n, replace = TRUE))
rate1 <- 1 / 500 * exp(0.6 * (ph == "positive") + 0.8 * (mrd == "positive"))
rate2 <- 1 / 900 * exp(0.03 * (age - 45))
t1 <- rexp(n, rate1); t2 <- rexp(n, rate2); cens <- runif(n, 100, 900)
tt <- pmin(t1, t2, cens)
l <- data.frame(time = ceiling(tt / 7) * 7, status = ifelse(tt == cens, 0, ifelse(t1 < t2, 1, 2)),
                age = age, ph = ph, mrd = mrd)

cases <- list(
  bmt_relapse = fg(b, ~ group + age, 1),
  bmt_nrm = fg(b, ~ group + age, 2),
  leukemia_like_relapse = fg(l, ~ age + ph + mrd, 1),
  leukemia_like_nrm = fg(l, ~ age + ph + mrd, 2),
  tiny_ties = fg(data.frame(time = c(1, 2, 2, 3, 3, 3, 4, 5, 5, 6), status = c(1, 2, 0, 1, 1, 2, 0, 1, 2, 0),
                            x = c(0.5, 1.2, -0.3, 2.0, 0.1, -1.0, 0.7, 1.5, -0.2, 0.0)), ~ x, 1)
)
cases$`_meta` <- list(r = R.version.string, cmprsk = as.character(packageVersion("cmprsk")))
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, pretty = TRUE), "fine_gray.json")
