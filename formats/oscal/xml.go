package oscal

import "github.com/cloudtrust/cloudtrust/cloudtrust"

func parseXML(data []byte, opt Options) (*Document, error) {
	return nil, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "oscal: XML documents are not supported yet; convert to JSON")
}
