"""The vendor's recovered samples (Learning Assistant method pages), as published except where a
comment says otherwise. Placeholders keep the pages' spaces: ``> {id} <``."""

AUTHENTICATE_REQUEST = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soapenv:Body>
    <Authenticate xmlns="https://api.learningassistant.com">
      <szUsername> {szUsername} </szUsername>
      <szPassword> {szPassword} </szPassword>
    </Authenticate>
  </soapenv:Body>
</soapenv:Envelope>"""

AUTHENTICATE_RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soapenv:Header>
    <authToken loggedin="YES" soapenv:actor="" soapenv:mustUnderstand="0" xmlns="https://api.learningassistant.com" xmlns:ns1="https://api.learningassistant.com">
      <id type="xsd:string"> {id} </id>
      <uuid type="xsd:string"> {uuid} </uuid>
    </authToken>
  </soapenv:Header>
  <soapenv:Body>
    <AuthenticateResponse xmlns="https://api.learningassistant.com">
      <AuthenticateReturn xsi:type="xsd:string">YES</AuthenticateReturn>
    </AuthenticateResponse>
  </soapenv:Body>
</soapenv:Envelope>"""

GET_CANDIDATES_REQUEST = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soapenv:Header>
    <authToken loggedin="YES" soapenv:actor="" soapenv:mustUnderstand="0" xmlns="http://api.learningassistant.com" xmlns:ns1="http://api.learningassistant.com">
      <id type="xsd:string"> {ID} </id>
      <uuid type="xsd:string"> {UUID} </uuid>
    </authToken>
  </soapenv:Header>
  <soapenv:Body>
    <ns1:GetCandidates soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns1="https://api.learningassistant.com">
      <CourseQAN xsi:type="xsd:string"> {CourseQAN} </CourseQAN>
      <blnActive xsi:type="xsd:boolean"> {blnActive} </blnActive>
      <blnCompleted xsi:type="xsd:boolean"> {blnCompleted} </blnCompleted>
      <blnTest xsi:type="xsd:boolean"> {blnTest} </blnTest>
    </ns1:GetCandidates>
  </soapenv:Body>
</soapenv:Envelope>"""

# The page stops inside the first item (at "<AnticipatedEndDate "); closed here after that field.
GET_CANDIDATES_RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soapenv:Header>
    <authToken loggedin="YES" soapenv:actor="" soapenv:mustUnderstand="0" xmlns="http://api.learningassistant.com" xmlns:ns1="http://api.learningassistant.com">
      <id type="xsd:string"> {ID} </id>
      <uuid type="xsd:string"> {UUID} </uuid>
    </authToken>
  </soapenv:Header>
  <soapenv:Body>
    <ns2:GetCandidatesResponse soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns2="https://api.learningassistant.com">
      <GetCandidatesReturn soapenc:arrayType="ns3:Type_candidate[0]" xmlns:ns3="http://user.types.soap.webservices" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xsi:type="soapenc:Array">
        <GetCandidatesReturn xsi:type="ns3:Type_candidate">
          <AnticipatedEndDate xsi:type="xsd:string"> {AnticipatedEndDate} </AnticipatedEndDate>
        </GetCandidatesReturn>
      </GetCandidatesReturn>
    </ns2:GetCandidatesResponse>
  </soapenv:Body>
</soapenv:Envelope>"""

# The page stops at "</Line"; closed here after LineManagerPhoneNumber.
UPDATE_ENROLMENT_REQUEST = """<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:tns="https://api.learningassistant.com" xmlns:types="https://api.learningassistant.com/encodedTypes" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <soap:Header>
    <tns:authToken id="h_id1">
      <id xsi:type="xsi:string"> {id} </id>
      <uuid xsi:type="xsi:string"> {uuid} </uuid>
    </tns:authToken>
  </soap:Header>
  <soap:Body soap:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
    <tns:UpdateEnrolment>
      <User href="#id1"/>
    </tns:UpdateEnrolment>
    <q1:Type_enrolmentUserUpdate id="id1" xsi:type="q1:Type_enrolmentUserUpdate" xmlns:q1="http://enrolment.types.soap.webservices">
      <Address href="#id2"/>
      <AwardingBodyRegistrationNo xsi:type="xsi:string"> {AwardingBodyRegistrationNo} </AwardingBodyRegistrationNo>
      <CandidateUUID xsi:type="xsd:string"> {CandidateUUID} </CandidateUUID>
      <CompanyUUID xsi:type="xsd:string"> {CompanyUUID} </CompanyUUID>
      <Course href="#id3"/>
      <CourseUUID xsi:type="xsd:string"> {CourseUUID} </CourseUUID>
      <Department xsi:type="xsd:string"> {Department} </Department>
      <EmailAddress xsi:type="xsd:string"> {EmailAddress} </EmailAddress>
      <EmployeeReferenceNumber xsi:type="xsd:string"> {EmployeeReferenceNumber} </EmployeeReferenceNumber>
      <EmploymentStatus xsi:type="xsd:string"> {EmploymentStatus} </EmploymentStatus>
      <EthnicityID xsi:type="xsd:string"> {EthnicityID} </EthnicityID>
      <JobTitle xsi:type="xsd:string"> {JobTitle} </JobTitle>
      <LineManager xsi:type="xsd:string"> {LineManager} </LineManager>
      <LineManagerEmailAddress xsi:type="xsd:string"> {LineManagerEmailAddress} </LineManagerEmailAddress>
      <LineManagerPhoneNumber xsi:type="xsd:string"> {LineManagerPhoneNumber} </LineManagerPhoneNumber>
    </q1:Type_enrolmentUserUpdate>
  </soap:Body>
</soap:Envelope>"""

# The published sample declares xmlns:xsi twice and uses xsd undeclared (not well-formed): here the
# first xmlns:xsi is read as the xmlns:xsd it was meant to be; it stops at "<LineManager x".
GROUP_ENROLMENT_REQUEST = """<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:tns="https://api.learningassistant.com" xmlns:types="https://api.learningassistant.com/encodedTypes" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soap:Header>
    <tns:authToken id="h_id1">
      <id xsi:type="xsi:string"> {id} </id>
      <uuid xsi:type="xsi:string"> {uuid} </uuid>
    </tns:authToken>
  </soap:Header>
  <soap:Body soap:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
    <tns:GroupEnrolment>
      <User href="#id1"/>
      <blnAssignEvaluationOnEnroll xsi:type="xsi:boolean"> {blnAssignEvaluationOnEnroll} </blnAssignEvaluationOnEnroll>
      <blnSendLoginDetailsOnEnroll xsi:type="xsi:boolean"> {blnSendLoginDetailsOnEnroll} </blnSendLoginDetailsOnEnroll>
    </tns:GroupEnrolment>
    <q1:Type_enrolmentUser id="id1" xmlns:q1="http://enrolment.types.soap.webservices" xsi:type="q1:Type_enrolmentUser">
      <Address href="#id2"/>
      <AwardingBodyRegistrationNo xsi:type="xsi:string"> {AwardingBodyRegistrationNo} </AwardingBodyRegistrationNo>
      <BirthDate xsi:type="xsd:string"> {BirthDate} </BirthDate>
      <CompanyUUID xsi:type="xsd:string"> {CompanyUUID} </CompanyUUID>
      <Course href="#id3"/>
      <Department xsi:type="xsd:string"> {Department} </Department>
      <EmailAddress xsi:type="xsd:string"> {EmailAddress} </EmailAddress>
      <EmployeeReferenceNumber xsi:type="xsd:string"> {EmployeeReferenceNumber} </EmployeeReferenceNumber>
      <EmploymentStatus xsi:type="xsd:string"> {EmploymentStatus} </EmploymentStatus>
      <EthnicityID xsi:type="xsd:string"> {EthnicityID} </EthnicityID>
      <Forename xsi:type="xsd:string"> {Forename} </Forename>
      <Gender xsi:type="xsd:string"> {Gender} </Gender>
      <JobTitle xsi:type="xsd:string"> {JobTitle} </JobTitle>
    </q1:Type_enrolmentUser>
  </soap:Body>
</soap:Envelope>"""
