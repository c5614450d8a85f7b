# Golden values for blinrwe.stats.competing_risks from R cmprsk::cuminc / timepoints.
# Run from this folder:  cd tests/stats/golden && Rscript cif.R
# Writes cif.json beside this script (inputs included, so the tests never need R).
# The CI is not part of cmprsk: it is computed here from cuminc's est and var with the
# log(-log) formula est^exp(+/- z sqrt(var) / (est log est)), z = qnorm(0.975).
suppressPackageStartupMessages({library(cmprsk); library(KMsurv); library(jsonlite)})

out_path <- "cif.json"

data(bmt, package = "KMsurv")
# relapse = d2 == 1; death in remission (without relapse) = d1 == 1 & d2 == 0; time t2
bmt_d <- data.frame(time = bmt$t2,
                    status = ifelse(bmt$d2 == 1, 1L, ifelse(bmt$d1 == 1, 2L, 0L)),
                    group = as.character(bmt$group), sex = bmt$z3)

# hand-checkable: a relapse and a death at t = 4, a censoring tied with a death at t = 2
small_d <- data.frame(time   = c(1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 1, 3, 3, 5, 6, 9),
                      status = c(1, 2, 0, 1, 1, 2, 0, 1, 2, 0, 2, 1, 0, 1, 0, 2),
                      group  = c(rep("A", 10), rep("B", 6)))

# heavy ties in whole days, three causes, and a group C where everybody is censored
set.seed(20240602)
n <- 90
ties_d <- data.frame(time = sample(1:12, n, replace = TRUE),
                     status = sample(c(0L, 1L, 2L, 3L), n, replace = TRUE, prob = c(.3, .3, .3, .1)),
                     group = sample(c("A", "B"), n, replace = TRUE),
                     stratum = sample(c("s1", "s2"), n, replace = TRUE))
ties_d <- rbind(ties_d, data.frame(time = c(2, 4, 4, 7, 9, 11), status = 0L, group = "C",
                                   stratum = c("s1", "s2", "s1", "s2", "s1", "s2")))

datasets <- list(bmt = bmt_d, small = small_d, ties = ties_d)

cases <- list(
  list(name = "bmt_relapse_by_group", data = "bmt", group = "group", rho = 0),
  list(name = "bmt_relapse_by_group_strata_sex", data = "bmt", group = "group", strata = "sex", rho = 0),
  list(name = "bmt_relapse_by_group_rho1", data = "bmt", group = "group", rho = 1),
  list(name = "bmt_overall", data = "bmt", rho = 0),
  list(name = "small", data = "small", group = "group", rho = 0),
  list(name = "ties_all_censored_group", data = "ties", group = "group", rho = 0),
  list(name = "ties_strata", data = "ties", group = "group", strata = "stratum", rho = 0)
)

z <- qnorm(0.975)
run_case <- function(cs) {
  d <- datasets[[cs$data]]
  args <- list(ftime = d$time, fstatus = d$status, rho = cs$rho)
  if (!is.null(cs$group)) args$group <- d[[cs$group]]
  if (!is.null(cs$strata)) args$strata <- d[[cs$strata]]
  fit <- do.call(cuminc, args)
  tms <- sort(unique(c(0, d$time, d$time + 0.5, max(d$time) + 1)))
  tp <- timepoints(fit, tms)
  curves <- lapply(rownames(tp$est), function(nm) {
    est <- unname(tp$est[nm, ]); v <- unname(tp$var[nm, ])
    k <- z * sqrt(v) / (est * log(est))
    a <- est^exp(k); b <- est^exp(-k)
    parts <- strsplit(nm, " ")[[1]]
    list(name = nm, group = parts[1], cause = as.integer(parts[2]), est = est, var = v,
         lower = pmin(a, b), upper = pmax(a, b))
  })
  raw <- fit[names(fit) != "Tests"]
  raw <- lapply(names(raw), function(nm) list(name = nm, time = raw[[nm]]$time, est = raw[[nm]]$est, var = raw[[nm]]$var))
  cs$expected <- list(times = tms, curves = curves, raw = raw)
  if (!is.null(fit$Tests)) {
    cs$expected$tests <- list(cause = as.integer(rownames(fit$Tests)), stat = unname(fit$Tests[, "stat"]),
                              p = unname(fit$Tests[, "pv"]), df = unname(fit$Tests[, "df"]))
  }
  cs
}

res <- list(meta = list(R = R.version.string, cmprsk = as.character(packageVersion("cmprsk")),
                        generated_by = "tests/stats/golden/cif.R"),
            datasets = datasets, cases = lapply(cases, run_case))
writeLines(toJSON(res, digits = NA, na = "null", auto_unbox = TRUE, dataframe = "columns", pretty = FALSE), out_path)
cat("wrote", out_path, "\n")
