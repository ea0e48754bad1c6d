package parse

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// SAML 2.0 metadata, read with encoding/xml: only what the checks judge.
//
// Why not github.com/crewjam/saml (v0.6.3 is served, with complete metadata
// types): measured, it adds 633 KiB to posit-doctor's binary (472 KiB
// stripped; 2.5 MiB for a program of its own, most of it x/crypto and
// goxmldsig, which posit-doctor partly shares), and two modules, for types
// of which we read a dozen fields and for XML signing we never do.
// encoding/xml expands no entities (no "billion laughs"), limits nesting,
// and the input is capped (probe body cap, file size cap) before it gets
// here.

// SAMLNamespace is the SAML 2.0 metadata namespace.
const SAMLNamespace = "urn:oasis:names:tc:SAML:2.0:metadata"

// SAMLEndpoint is a SingleSignOnService or SingleLogoutService.
type SAMLEndpoint struct {
	Binding  string `json:"binding"`
	Location string `json:"location"`
}

// SAMLKey is a KeyDescriptor: its use (signing, encryption or "" for both)
// and the DER bytes of each X509Certificate it carries. A certificate that is
// not valid base64 is kept as an error string instead.
type SAMLKey struct {
	Use       string   `json:"use,omitempty"`
	CertsDER  [][]byte `json:"-"`
	CertError []string `json:"cert_errors,omitempty"`
}

// SAMLIdP is one IDPSSODescriptor.
type SAMLIdP struct {
	ProtocolSupport string         `json:"protocol_support,omitempty"`
	SSO             []SAMLEndpoint `json:"sso,omitempty"`
	SLO             []SAMLEndpoint `json:"slo,omitempty"`
	NameIDFormats   []string       `json:"name_id_formats,omitempty"`
	Keys            []SAMLKey      `json:"keys,omitempty"`
}

// SAMLMetadata is the EntityDescriptor that describes an identity provider.
type SAMLMetadata struct {
	EntityID   string    `json:"entity_id"`
	ValidUntil string    `json:"valid_until,omitempty"`
	IdPs       []SAMLIdP `json:"idps,omitempty"`
	// Entities counts EntityDescriptors seen (an EntitiesDescriptor may
	// hold several; the first with an IDPSSODescriptor is used).
	Entities int `json:"entities"`
}

// SAMLError is why a document is not usable IdP metadata.
type SAMLError struct {
	Kind string // "not-xml", "not-metadata", "no-idp"
	Msg  string
}

func (e *SAMLError) Error() string { return e.Msg }

type xmlEndpoint struct {
	Binding  string `xml:"Binding,attr"`
	Location string `xml:"Location,attr"`
}

type xmlKey struct {
	Use   string   `xml:"use,attr"`
	Certs []string `xml:"KeyInfo>X509Data>X509Certificate"`
}

type xmlIdP struct {
	ProtocolSupport string        `xml:"protocolSupportEnumeration,attr"`
	Keys            []xmlKey      `xml:"KeyDescriptor"`
	SLO             []xmlEndpoint `xml:"SingleLogoutService"`
	NameIDFormats   []string      `xml:"NameIDFormat"`
	SSO             []xmlEndpoint `xml:"SingleSignOnService"`
}

type xmlEntity struct {
	XMLName    xml.Name
	EntityID   string   `xml:"entityID,attr"`
	ValidUntil string   `xml:"validUntil,attr"`
	IdPs       []xmlIdP `xml:"IDPSSODescriptor"`
}

type xmlEntities struct {
	Entities []xmlEntity `xml:"EntityDescriptor"`
}

// ParseSAMLMetadata reads IdP metadata: an EntityDescriptor with at least
// one IDPSSODescriptor, or an EntitiesDescriptor holding one. Namespaces are
// checked on the root only, leniently (some IdPs omit the prefix binding on
// children), and signing is not verified: the checks judge configuration,
// not trust.
func ParseSAMLMetadata(data []byte) (*SAMLMetadata, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 BOM
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "us-ascii") {
			return r, nil
		}
		return nil, fmt.Errorf("charset %q is not supported", charset)
	}
	var root xml.StartElement
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("no XML element in it")
			}
			return nil, &SAMLError{"not-xml", "not XML: " + err.Error()}
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
	}
	var entities []xmlEntity
	switch root.Name.Local {
	case "EntityDescriptor":
		var e xmlEntity
		if err := dec.DecodeElement(&e, &root); err != nil {
			return nil, &SAMLError{"not-xml", "not XML: " + err.Error()}
		}
		entities = []xmlEntity{e}
	case "EntitiesDescriptor":
		var es xmlEntities
		if err := dec.DecodeElement(&es, &root); err != nil {
			return nil, &SAMLError{"not-xml", "not XML: " + err.Error()}
		}
		entities = es.Entities
	default:
		return nil, &SAMLError{"not-metadata", fmt.Sprintf("the document is <%s>, not SAML metadata (an <EntityDescriptor>)", root.Name.Local)}
	}
	if root.Name.Space != "" && root.Name.Space != SAMLNamespace {
		return nil, &SAMLError{"not-metadata", fmt.Sprintf("<%s> is in namespace %q, not %s", root.Name.Local, root.Name.Space, SAMLNamespace)}
	}
	m := &SAMLMetadata{Entities: len(entities)}
	for _, e := range entities {
		if len(e.IdPs) == 0 {
			continue
		}
		m.EntityID, m.ValidUntil = strings.TrimSpace(e.EntityID), strings.TrimSpace(e.ValidUntil)
		for _, x := range e.IdPs {
			idp := SAMLIdP{ProtocolSupport: strings.TrimSpace(x.ProtocolSupport)}
			for _, s := range x.SSO {
				idp.SSO = append(idp.SSO, SAMLEndpoint{Binding: strings.TrimSpace(s.Binding), Location: strings.TrimSpace(s.Location)})
			}
			for _, s := range x.SLO {
				idp.SLO = append(idp.SLO, SAMLEndpoint{Binding: strings.TrimSpace(s.Binding), Location: strings.TrimSpace(s.Location)})
			}
			for _, f := range x.NameIDFormats {
				idp.NameIDFormats = append(idp.NameIDFormats, strings.TrimSpace(f))
			}
			for _, k := range x.Keys {
				key := SAMLKey{Use: strings.TrimSpace(k.Use)}
				for _, c := range k.Certs {
					der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c), ""))
					if err != nil {
						key.CertError = append(key.CertError, "an X509Certificate is not base64: "+err.Error())
						continue
					}
					key.CertsDER = append(key.CertsDER, der)
				}
				idp.Keys = append(idp.Keys, key)
			}
			m.IdPs = append(m.IdPs, idp)
		}
		return m, nil
	}
	if root.Name.Local == "EntityDescriptor" && len(entities) == 1 {
		return m, &SAMLError{"no-idp", fmt.Sprintf("the EntityDescriptor %q has no IDPSSODescriptor: it describes a service provider, not an identity provider", strings.TrimSpace(entities[0].EntityID))}
	}
	return m, &SAMLError{"no-idp", fmt.Sprintf("none of the %d EntityDescriptors has an IDPSSODescriptor", len(entities))}
}
