module github.com/cloudtrust/cloudtrust

go 1.26
