package audit

// ActionMetadataCorrected: a person corrected a quarantined clip's metadata
// through ClipManage (correct-metadata). Details hold every corrected
// field's old and new value ("from<Field>"/"to<Field>"), the reasons before
// and after, and, when the officer changed, the partitions it moved between.
const ActionMetadataCorrected = "metadata-corrected"
