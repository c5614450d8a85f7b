# Golden values for blinrwe.derive.time_dependent: counting-process (start, stop] rows as R's tmerge builds them.
# Run from this folder:  Rscript tmerge.R   (writes tmerge.json; needs survival, jsonlite)
suppressPackageStartupMessages({library(survival); library(jsonlite)})
set.seed(20261201)
n <- 60
time <- pmin(round(rexp(n, 1 / 300)) + 1, 700)
event <- as.integer(time < 700 & runif(n) < 0.7)
hsct <- ifelse(runif(n) < 0.4, round(runif(n, 0, 200)), NA)
resp <- ifelse(runif(n) < 0.6, round(runif(n, 0, 60)), NA)
# edge cases: a switch at 0, on the last day, after the last day, both states on one day, ties across ends
hsct[1] <- 0; hsct[2] <- time[2]; hsct[3] <- time[3] + 5; resp[4] <- 30; hsct[4] <- 30; time[4] <- 90
resp[5] <- 0; hsct[5] <- NA; resp[6] <- time[6]
base <- data.frame(id = seq_len(n), time = time, event = event, hsct = hsct, resp = resp)
tm <- tmerge(base[, c("id", "time", "event")], base, id = id, death = event(time, event),
             allo_hsct = tdc(hsct), response = tdc(resp))
tm$allo_hsct[is.na(tm$allo_hsct)] <- 0
tm$response[is.na(tm$response)] <- 0
out <- list(patients = base, intervals = tm[, c("id", "tstart", "tstop", "death", "allo_hsct", "response")],
            `_meta` = list(r = R.version.string, survival = as.character(packageVersion("survival"))))
writeLines(toJSON(out, digits = NA, dataframe = "columns", na = "null", pretty = TRUE), "tmerge.json")
