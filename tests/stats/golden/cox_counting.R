# Golden values for blinrwe.stats.cox_ph with start: the counting-process Cox model on (start, stop] rows.
# Run from this folder:  Rscript cox_counting.R   (writes cox_counting.json; needs survival, jsonlite)
# R's reference: coxph(Surv(start, stop, event) ~ ..., ties = ) and cox.zph (survival >= 3.0 form).
suppressPackageStartupMessages({library(survival); library(jsonlite)})

# Stanford heart transplant in counting-process form (survival::heart): transplant is time-dependent.
heart_d <- data.frame(start = heart$start, stop = heart$stop, event = heart$event, age = heart$age,
                      year = heart$year, surgery = heart$surgery, transplant = as.integer(heart$transplant) - 1L)

# A leukaemia-like cohort in whole days with delayed entry (patients enter when referred), a
# time-dependent transplant (tmerge), and ties across interval ends.
set.seed(20261201)
n <- 200
entry <- ifelse(runif(n) < 0.3, round(runif(n, 1, 60)), 0)
age <- round(runif(n, 18, 75))
ph <- rbinom(n, 1, 0.3)
os <- entry + pmax(1, round(rexp(n, 1 / 350 * exp(0.02 * (age - 45) + 0.5 * ph))))
cens <- entry + round(runif(n, 30, 700))
time <- pmin(os, cens); dead <- as.integer(os <= cens)
hsct <- ifelse(runif(n) < 0.4, entry + round(runif(n, 20, 150)), NA)
base <- data.frame(id = 1:n, entry = entry, time = time, dead = dead, age = age, ph = ph, hsct = hsct)
tm <- tmerge(base[, c("id", "age", "ph")], base, id = id, tstart = entry, tstop = time,
             death = event(time, dead), transplant = tdc(hsct))
tm$transplant[is.na(tm$transplant)] <- 0
leuk_d <- data.frame(start = tm$tstart, stop = tm$tstop, event = tm$death, age = tm$age, ph = tm$ph,
                     transplant = tm$transplant, site = ifelse(tm$id %% 2 == 0, "A", "B"))

tiny_d <- data.frame(start = c(0, 0, 2, 0, 3, 0, 0, 4, 1), stop = c(2, 2, 5, 3, 5, 5, 4, 6, 6),
                     event = c(0, 1, 1, 0, 1, 0, 0, 1, 1), x = c(1, 0, 1, 0, 1, 1, 0, 0, 1))

datasets <- list(heart = heart_d, leukemia_like = leuk_d, tiny = tiny_d)
cases <- list(
  list(name = "heart_efron", data = "heart", covariates = list("age", "year", "surgery", "transplant"), ties = "efron"),
  list(name = "heart_breslow", data = "heart", covariates = list("age", "year", "surgery", "transplant"), ties = "breslow"),
  list(name = "heart_strata_surgery", data = "heart", covariates = list("age", "transplant"), strata = list("surgery"), ties = "efron"),
  list(name = "leukemia_efron", data = "leukemia_like", covariates = list("age", "ph", "transplant"), ties = "efron"),
  list(name = "leukemia_breslow", data = "leukemia_like", covariates = list("age", "ph", "transplant"), ties = "breslow"),
  list(name = "leukemia_strata_site", data = "leukemia_like", covariates = list("age", "transplant"), strata = list("site"), ties = "efron"),
  list(name = "tiny_efron", data = "tiny", covariates = list("x"), ties = "efron"),
  list(name = "tiny_breslow", data = "tiny", covariates = list("x"), ties = "breslow")
)
test3 <- function(stat, df) list(stat = stat, df = df, p = pchisq(stat, df, lower.tail = FALSE))
run_case <- function(cs) {
  d <- datasets[[cs$data]]
  rhs <- paste(unlist(cs$covariates), collapse = " + ")
  if (!is.null(cs$strata)) rhs <- paste0(rhs, " + strata(", paste(unlist(cs$strata), collapse = ", "), ")")
  fit <- coxph(as.formula(paste0("Surv(start, stop, event) ~ ", rhs)), data = d, ties = cs$ties)
  s <- summary(fit, conf.int = 0.95)
  cf <- s$coefficients; ci <- s$conf.int; p <- length(coef(fit))
  zph <- list()
  for (tr in c("km", "identity", "rank")) {
    z <- cox.zph(fit, transform = tr)
    zph[[tr]] <- list(term = rownames(z$table), chisq = unname(z$table[, "chisq"]), df = unname(z$table[, "df"]),
                      p = unname(z$table[, "p"]))
  }
  cs$expected <- list(coef = unname(cf[, "coef"]), se = unname(cf[, "se(coef)"]), p = unname(cf[, "Pr(>|z|)"]),
                      lower = unname(ci[, 3]), upper = unname(ci[, 4]), loglik = unname(fit$loglik),
                      lr = test3(-2 * (fit$loglik[1] - fit$loglik[2]), p), wald = test3(unname(fit$wald.test), p),
                      score = test3(unname(fit$score), p), n = fit$n, nevent = fit$nevent, zph = zph)
  cs
}
res <- list(meta = list(R = R.version.string, survival = as.character(packageVersion("survival"))),
            datasets = datasets, cases = lapply(cases, run_case))
writeLines(toJSON(res, digits = NA, na = "null", auto_unbox = TRUE, dataframe = "columns"), "cox_counting.json")
