// Package report builds `bwv report`: one self-contained HTML page of the
// pipeline's state for a day — clips per day and station over the 30 days
// to that day, rejections by reason, deletions due in the next 7 days,
// holds, pending releases, review flags, and the poison-queue and
// dead-letter counts — with inline CSS and inline SVG charts drawn here, no
// script and no network: it opens the same from a USB stick as from a share.
//
// Gather reads the figures (Cosmos searches of shared/cosmosdb, counted on
// the client; queue and container counts from Storage); Render writes the
// page with html/template, so every value from the data is escaped; every
// number a chart shows is also printed as text in a table or label.
package report
