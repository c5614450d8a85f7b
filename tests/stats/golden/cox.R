# Golden values for blinrwe.stats.cox_ph and cox_zph from R survival::coxph / cox.zph.
# Run from this folder:  cd tests/stats/golden && Rscript cox.R
# Writes cox.json beside this script (inputs included, so the tests never need R).
suppressPackageStartupMessages({library(survival); library(KMsurv); library(jsonlite)})

out_path <- "cox.json"

# ---- inputs ---------------------------------------------------------------------------
aml_d <- data.frame(time = aml$time, status = aml$status, x = as.character(aml$x))

lung_d <- data.frame(time = lung$time, status = lung$status - 1,  # R codes 1/2; store 0/1
                     age = lung$age, sex = lung$sex, ph.ecog = lung$ph.ecog,
                     ph_ecog_cat = as.character(lung$ph.ecog))

data(bmt, package = "KMsurv")
bmt_d <- data.frame(t1 = bmt$t1, t2 = bmt$t2, d1 = bmt$d1, d2 = bmt$d2, d3 = bmt$d3,
                    group = as.character(bmt$group), z1 = bmt$z1, z3 = bmt$z3, z10 = bmt$z10)

# heavily tied whole-day data (about 4 deaths per day), 3 covariates and a site stratum
set.seed(20240601)
n <- 400
x1 <- round(rnorm(n), 3)
x2 <- rbinom(n, 1, 0.4)
x3 <- sample(0:10, n, replace = TRUE)
site <- sample(c("A", "B", "C"), n, replace = TRUE)
ev_t <- rexp(n, rate = 0.03 * exp(0.5 * x1 - 0.7 * x2 + 0.05 * x3 + 0.3 * (site == "B")))
ce_t <- runif(n, 0, 90)
tied_d <- data.frame(time = ceiling(pmin(ev_t, ce_t)), status = as.integer(ev_t <= ce_t),
                     x1 = x1, x2 = x2, x3 = x3, site = site)

# monotone likelihood: no event among x == 1
mono_d <- data.frame(time = c(5, 8, 12, 15, 20, 22, 30, 31, 40, 45, 50, 60),
                     status = c(1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0),
                     x = c(0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1),
                     age = c(50, 61, 45, 70, 38, 52, 66, 49, 58, 71, 44, 63))

datasets <- list(aml = aml_d, lung = lung_d, bmt = bmt_d, tied = tied_d, monotone = mono_d)

# ---- cases ----------------------------------------------------------------------------
# categorical: column -> levels (reference first), made factors before fitting
cases <- list(
  list(name = "aml_efron", data = "aml", time = "time", event = "status", covariates = list("x"),
       categorical = list(x = c("Maintained", "Nonmaintained")), ties = "efron"),
  list(name = "aml_breslow", data = "aml", time = "time", event = "status", covariates = list("x"),
       categorical = list(x = c("Maintained", "Nonmaintained")), ties = "breslow"),
  list(name = "lung_efron", data = "lung", time = "time", event = "status",
       covariates = list("age", "sex", "ph.ecog"), ties = "efron"),
  list(name = "lung_breslow", data = "lung", time = "time", event = "status",
       covariates = list("age", "sex", "ph.ecog"), ties = "breslow"),
  list(name = "lung_strata_sex", data = "lung", time = "time", event = "status",
       covariates = list("age", "ph.ecog"), strata = list("sex"), ties = "efron"),
  list(name = "lung_categorical_ecog", data = "lung", time = "time", event = "status",
       covariates = list("age", "sex", "ph_ecog_cat"),
       categorical = list(ph_ecog_cat = c("0", "1", "2", "3")), ties = "efron"),
  list(name = "bmt_dfs_efron", data = "bmt", time = "t2", event = "d3",
       covariates = list("group", "z1", "z10"), categorical = list(group = c("1", "2", "3")), ties = "efron"),
  list(name = "bmt_dfs_breslow", data = "bmt", time = "t2", event = "d3",
       covariates = list("group", "z1", "z10"), categorical = list(group = c("1", "2", "3")), ties = "breslow"),
  list(name = "bmt_dfs_strata2", data = "bmt", time = "t2", event = "d3",
       covariates = list("z1", "z10"), strata = list("group", "z3"), ties = "efron"),
  list(name = "tied_efron", data = "tied", time = "time", event = "status",
       covariates = list("x1", "x2", "x3"), ties = "efron"),
  list(name = "tied_breslow", data = "tied", time = "time", event = "status",
       covariates = list("x1", "x2", "x3"), ties = "breslow"),
  list(name = "tied_strata_site", data = "tied", time = "time", event = "status",
       covariates = list("x1", "x2", "x3"), strata = list("site"), ties = "efron"),
  list(name = "tied_strata_site_breslow", data = "tied", time = "time", event = "status",
       covariates = list("x1", "x2", "x3"), strata = list("site"), ties = "breslow"),
  list(name = "tied_categorical_site", data = "tied", time = "time", event = "status",
       covariates = list("x1", "site"), categorical = list(site = c("A", "B", "C")), ties = "efron"),
  list(name = "monotone", data = "monotone", time = "time", event = "status",
       covariates = list("x", "age"), ties = "efron")
)

test3 <- function(stat, df) list(stat = stat, df = df, p = pchisq(stat, df, lower.tail = FALSE))

run_case <- function(cs) {
  d <- datasets[[cs$data]]
  for (v in names(cs$categorical)) d[[v]] <- factor(d[[v]], levels = cs$categorical[[v]])
  rhs <- paste(unlist(cs$covariates), collapse = " + ")
  if (!is.null(cs$strata)) rhs <- paste0(rhs, " + strata(", paste(unlist(cs$strata), collapse = ", "), ")")
  fml <- as.formula(paste0("Surv(", cs$time, ", ", cs$event, ") ~ ", rhs))
  warns <- character(0)
  fit <- withCallingHandlers(coxph(fml, data = d, ties = cs$ties),
                             warning = function(w) {warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning")})
  s <- summary(fit, conf.int = 0.95)
  cf <- s$coefficients
  ci <- s$conf.int
  p <- length(coef(fit))
  zph <- list()
  for (tr in c("km", "identity", "rank")) {
    z <- cox.zph(fit, transform = tr)
    zph[[tr]] <- list(term = rownames(z$table), chisq = unname(z$table[, "chisq"]),
                      df = unname(z$table[, "df"]), p = unname(z$table[, "p"]))
  }
  cs$expected <- list(
    r_terms = rownames(cf), coef = unname(cf[, "coef"]), se = unname(cf[, "se(coef)"]),
    hr = unname(cf[, "exp(coef)"]), z = unname(cf[, "z"]), p = unname(cf[, "Pr(>|z|)"]),
    lower = unname(ci[, 3]), upper = unname(ci[, 4]),
    loglik = unname(fit$loglik), lr = test3(-2 * (fit$loglik[1] - fit$loglik[2]), p),
    wald = test3(unname(fit$wald.test), p), score = test3(unname(fit$score), p),
    iter = fit$iter, n = fit$n, nevent = fit$nevent,
    n_dropped = length(fit$na.action), warnings = I(warns), zph = zph)
  cs
}

res <- list(meta = list(R = R.version.string, survival = as.character(packageVersion("survival")),
                        generated_by = "tests/stats/golden/cox.R"),
            datasets = datasets, cases = lapply(cases, run_case))
writeLines(toJSON(res, digits = NA, na = "null", auto_unbox = TRUE, dataframe = "columns", pretty = FALSE), out_path)
cat("wrote", out_path, "\n")
