<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>AboutDialog</name>
    <message>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>Data folder</translation>
    </message>
</context>
<context>
    <name>AbsenceDialog</name>
    <message>
        <source>Doctor absent or substituted</source>
        <translation>Doctor absent or substituted</translation>
    </message>
    <message>
        <source>Record that a doctor is away (停诊), or that another doctor stands in (换人). Every booked patient affected is then listed for the desk to call.</source>
        <translation>Record that a doctor is away (停诊), or that another doctor stands in (换人). Every booked patient affected is then listed for the desk to call.</translation>
    </message>
    <message>
        <source>Doctor away</source>
        <translation>Doctor away</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>The whole day</source>
        <translation>The whole day</translation>
    </message>
    <message>
        <source>Substitute</source>
        <translation>Substitute</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>e.g. ill, training, family matter</source>
        <translation>e.g. ill, training, family matter</translation>
    </message>
    <message>
        <source>Record and list the patients</source>
        <translation>Record and list the patients</translation>
    </message>
    <message>
        <source>Nobody: the patients are moved or cancelled</source>
        <translation>Nobody: the patients are moved or cancelled</translation>
    </message>
    <message>
        <source>This is after {time} the day before, so it is recorded as late notice: call the patients first, they have little time to rearrange.</source>
        <translation>This is after {time} the day before, so it is recorded as late notice: call the patients first, they have little time to rearrange.</translation>
    </message>
    <message>
        <source>Choose the doctor who is away.</source>
        <translation>Choose the doctor who is away.</translation>
    </message>
</context>
<context>
    <name>AbsenceWorklistDialog</name>
    <message>
        <source>Patients to contact</source>
        <translation>Patients to contact</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>Selected patient</source>
        <translation>Selected patient</translation>
    </message>
    <message>
        <source>Offer the patient (moves the booking):</source>
        <translation>Offer the patient (moves the booking):</translation>
    </message>
    <message>
        <source>I checked the patient&apos;s identity (real-name booking)</source>
        <translation>I checked the patient&apos;s identity (real-name booking)</translation>
    </message>
    <message>
        <source>What was said, e.g. will come next week; call back after 18:00</source>
        <translation>What was said, e.g. will come next week; call back after 18:00</translation>
    </message>
    <message>
        <source>Reached — keeps with substitute</source>
        <translation>Reached — keeps with substitute</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>The patient cancels; the note is the reason</source>
        <translation>The patient cancels; the note is the reason</translation>
    </message>
    <message>
        <source>Could not reach</source>
        <translation>Could not reach</translation>
    </message>
    <message>
        <source>Move anyway</source>
        <translation>Move anyway</translation>
    </message>
    <message>
        <source>Reason for moving after the cutoff</source>
        <translation>Reason for moving after the cutoff</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>To contact</source>
        <translation>To contact</translation>
    </message>
    <message>
        <source>Contacted</source>
        <translation>Contacted</translation>
    </message>
    <message>
        <source>Moved</source>
        <translation>Moved</translation>
    </message>
    <message>
        <source>Keeps with substitute</source>
        <translation>Keeps with substitute</translation>
    </message>
    <message>
        <source>Doctor&apos;s absence</source>
        <translation>Doctor&apos;s absence</translation>
    </message>
    <message>
        <source>the whole day</source>
        <translation>the whole day</translation>
    </message>
    <message>
        <source>{doctor} is away on {day} ({span}); {substitute} stands in</source>
        <translation>{doctor} is away on {day} ({span}); {substitute} stands in</translation>
    </message>
    <message>
        <source>{doctor} is away on {day} ({span})</source>
        <translation>{doctor} is away on {day} ({span})</translation>
    </message>
    <message>
        <source>Late notice: recorded after the cutoff the day before. Call first.</source>
        <translation>Late notice: recorded after the cutoff the day before. Call first.</translation>
    </message>
    <message>
        <source>{done} of {total} contacted</source>
        <translation>{done} of {total} contacted</translation>
    </message>
    <message numerus="yes">
        <source>%n could not be reached</source>
        <translation>
            <numerusform>%n could not be reached</numerusform>
            <numerusform>%n could not be reached</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>No booked patient is affected.</source>
        <translation>No booked patient is affected.</translation>
    </message>
    <message>
        <source>Same time with {doctor} (substitute)</source>
        <translation>Same time with {doctor} (substitute)</translation>
    </message>
    <message>
        <source>{time} with {doctor}</source>
        <translation>{time} with {doctor}</translation>
    </message>
    <message>
        <source>Same time with {doctor}</source>
        <translation>Same time with {doctor}</translation>
    </message>
    <message>
        <source>{patient} · {phone} · {time} with {doctor} · {status}</source>
        <translation>{patient} · {phone} · {time} with {doctor} · {status}</translation>
    </message>
    <message>
        <source>No free time to offer right now: keep, cancel, or book on the calendar.</source>
        <translation>No free time to offer right now: keep, cancel, or book on the calendar.</translation>
    </message>
    <message>
        <source>The front desk calls the patients and moves or cancels the bookings.</source>
        <translation>The front desk calls the patients and moves or cancels the bookings.</translation>
    </message>
    <message>
        <source>Done: the appointment was {status}. Change it on the calendar if needed.</source>
        <translation>Done: the appointment was {status}. Change it on the calendar if needed.</translation>
    </message>
    <message>
        <source>{patient}: {status}.</source>
        <translation>{patient}: {status}.</translation>
    </message>
</context>
<context>
    <name>AddFollowupDialog</name>
    <message>
        <source>Add a follow-up</source>
        <translation>Add a follow-up</translation>
    </message>
    <message>
        <source>A call or message that no plan made: it appears on the list of whoever should make it from the first day.</source>
        <translation>A call or message that no plan made: it appears on the list of whoever should make it from the first day.</translation>
    </message>
    <message>
        <source>Find the patient: name, phone digits…</source>
        <translation>Find the patient: name, phone digits…</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>What for</source>
        <translation>What for</translation>
    </message>
    <message>
        <source>e.g. ask about the new blood pressure tablets</source>
        <translation>e.g. ask about the new blood pressure tablets</translation>
    </message>
    <message>
        <source>Call between</source>
        <translation>Call between</translation>
    </message>
    <message>
        <source>and</source>
        <translation>and</translation>
    </message>
    <message>
        <source>How</source>
        <translation>How</translation>
    </message>
    <message>
        <source>Who calls</source>
        <translation>Who calls</translation>
    </message>
    <message>
        <source>I will make this call myself</source>
        <translation>I will make this call myself</translation>
    </message>
    <message>
        <source>Choose the patient first: search and pick one.</source>
        <translation>Choose the patient first: search and pick one.</translation>
    </message>
</context>
<context>
    <name>AddMemberDialog</name>
    <message>
        <source>Add a member to {card}</source>
        <translation>Add a member to {card}</translation>
    </message>
    <message numerus="yes">
        <source>{tier}: up to %n people, the payer included.</source>
        <translation>
            <numerusform>{tier}: up to %n people, the payer included.</numerusform>
            <numerusform>{tier}: up to %n people, the payer included.</numerusform>
        </translation>
    </message>
    <message>
        <source>Person</source>
        <translation>Person</translation>
    </message>
    <message>
        <source>Relation to the payer</source>
        <translation>Relation to the payer</translation>
    </message>
    <message>
        <source>Find the person: name, phone digits…</source>
        <translation>Find the person: name, phone digits…</translation>
    </message>
    <message>
        <source>Find and choose the person to add.</source>
        <translation>Find and choose the person to add.</translation>
    </message>
</context>
<context>
    <name>AllergySeverity</name>
    <message>
        <source>Mild</source>
        <translation>Mild</translation>
    </message>
    <message>
        <source>Moderate</source>
        <translation>Moderate</translation>
    </message>
    <message>
        <source>Severe</source>
        <translation>Severe</translation>
    </message>
    <message>
        <source>Life-threatening</source>
        <translation>Life-threatening</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unknown</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>ClinicDesk is already open with this clinic&apos;s data on this computer. Switch to that window (look in the taskbar) instead of opening it twice.</source>
        <translation>ClinicDesk is already open with this clinic&apos;s data on this computer. Switch to that window (look in the taskbar) instead of opening it twice.</translation>
    </message>
</context>
<context>
    <name>Appointment</name>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Online (WeChat / website)</source>
        <translation>Online (WeChat / website)</translation>
    </message>
    <message>
        <source>On site</source>
        <translation>On site</translation>
    </message>
    <message>
        <source>Referral by a partner doctor</source>
        <translation>Referral by a partner doctor</translation>
    </message>
    <message>
        <source>Free-clinic event</source>
        <translation>Free-clinic event</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>Booked</translation>
    </message>
    <message>
        <source>Confirmed</source>
        <translation>Confirmed</translation>
    </message>
    <message>
        <source>Arrived</source>
        <translation>Arrived</translation>
    </message>
    <message>
        <source>In consultation</source>
        <translation>In consultation</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>No-show</source>
        <translation>No-show</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelled</translation>
    </message>
</context>
<context>
    <name>AppointmentDialog</name>
    <message>
        <source>Appointment</source>
        <translation>Appointment</translation>
    </message>
    <message>
        <source>{when} · {minutes} min · {doctor}</source>
        <translation>{when} · {minutes} min · {doctor}</translation>
    </message>
    <message>
        <source>Status: {status}</source>
        <translation>Status: {status}</translation>
    </message>
    <message>
        <source>Emergency add-on</source>
        <translation>Emergency add-on</translation>
    </message>
    <message>
        <source>Patient confirmed</source>
        <translation>Patient confirmed</translation>
    </message>
    <message>
        <source>Cancel appointment</source>
        <translation>Cancel appointment</translation>
    </message>
    <message>
        <source>Change the series…</source>
        <translation>Change the series…</translation>
    </message>
    <message>
        <source>Another time, length, doctor or weekdays for this and later appointments</source>
        <translation>Another time, length, doctor or weekdays for this and later appointments</translation>
    </message>
    <message>
        <source>Why it is cancelled (needed to cancel)</source>
        <translation>Why it is cancelled (needed to cancel)</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Print slip…</source>
        <translation>Print slip…</translation>
    </message>
    <message>
        <source>First-visit information…</source>
        <translation>First-visit information…</translation>
    </message>
    <message>
        <source>Write why it is cancelled, then cancel again.</source>
        <translation>Write why it is cancelled, then cancel again.</translation>
    </message>
    <message>
        <source>Cancel a repeating appointment</source>
        <translation>Cancel a repeating appointment</translation>
    </message>
    <message>
        <source>This appointment is part of a series. Which appointments should be cancelled? Past appointments stay as they are.</source>
        <translation>This appointment is part of a series. Which appointments should be cancelled? Past appointments stay as they are.</translation>
    </message>
    <message>
        <source>Only this one</source>
        <translation>Only this one</translation>
    </message>
    <message>
        <source>This and the following ones</source>
        <translation>This and the following ones</translation>
    </message>
    <message>
        <source>All future ones</source>
        <translation>All future ones</translation>
    </message>
    <message>
        <source>Keep them</source>
        <translation>Keep them</translation>
    </message>
</context>
<context>
    <name>AppointmentGrid</name>
    <message>
        <source>Members</source>
        <translation>Members</translation>
    </message>
</context>
<context>
    <name>AppointmentStatsDialog</name>
    <message>
        <source>Appointment statistics</source>
        <translation>Appointment statistics</translation>
    </message>
</context>
<context>
    <name>AppointmentStatsView</name>
    <message>
        <source>Appointment statistics</source>
        <translation>Appointment statistics</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>Period</translation>
    </message>
    <message>
        <source>This month</source>
        <translation>This month</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>Last month</translation>
    </message>
    <message>
        <source>Dates</source>
        <translation>Dates</translation>
    </message>
    <message>
        <source>By</source>
        <translation>By</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Booked by</source>
        <translation>Booked by</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Export to Excel</source>
        <translation>Export to Excel</translation>
    </message>
    <message>
        <source>Revisit booking rate: done visits followed by another booking with the same doctor made within 30 days</source>
        <translation>Revisit booking rate: done visits followed by another booking with the same doctor made within 30 days</translation>
    </message>
    <message>
        <source>Bookings count every appointment starting in the period, cancelled ones included. The arrival and no-show rates are over the appointments that have happened (arrived or no-show); those still to come are counted apart. A cancellation is late within the hours set under Settings, Appointments.</source>
        <translation>Bookings count every appointment starting in the period, cancelled ones included. The arrival and no-show rates are over the appointments that have happened (arrived or no-show); those still to come are counted apart. A cancellation is late within the hours set under Settings, Appointments.</translation>
    </message>
    <message>
        <source>Bookings</source>
        <translation>Bookings</translation>
    </message>
    <message>
        <source>Arrivals</source>
        <translation>Arrivals</translation>
    </message>
    <message>
        <source>Arrival rate</source>
        <translation>Arrival rate</translation>
    </message>
    <message>
        <source>No-shows</source>
        <translation>No-shows</translation>
    </message>
    <message>
        <source>No-show rate</source>
        <translation>No-show rate</translation>
    </message>
    <message>
        <source>Cancellations</source>
        <translation>Cancellations</translation>
    </message>
    <message>
        <source>Late cancellations</source>
        <translation>Late cancellations</translation>
    </message>
    <message>
        <source>Add-ons</source>
        <translation>Add-ons</translation>
    </message>
    <message>
        <source>Still to come</source>
        <translation>Still to come</translation>
    </message>
    <message>
        <source>Visits done</source>
        <translation>Visits done</translation>
    </message>
    <message>
        <source>Rebooked within 30 days</source>
        <translation>Rebooked within 30 days</translation>
    </message>
    <message>
        <source>Revisit booking rate</source>
        <translation>Revisit booking rate</translation>
    </message>
    <message>
        <source>(no type)</source>
        <translation>(no type)</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>No appointments in this period.</source>
        <translation>No appointments in this period.</translation>
    </message>
    <message>
        <source>Period: {first} to {last}</source>
        <translation>Period: {first} to {last}</translation>
    </message>
    <message>
        <source>Statistics</source>
        <translation>Statistics</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel workbook (*.xlsx)</translation>
    </message>
    <message>
        <source>Saved to {path}</source>
        <translation>Saved to {path}</translation>
    </message>
</context>
<context>
    <name>AppointmentType</name>
    <message>
        <source>General consult</source>
        <translation>General consult</translation>
    </message>
    <message>
        <source>Specialist consult</source>
        <translation>Specialist consult</translation>
    </message>
    <message>
        <source>Physical exam</source>
        <translation>Physical exam</translation>
    </message>
    <message>
        <source>Follow-up visit</source>
        <translation>Follow-up visit</translation>
    </message>
</context>
<context>
    <name>AppointmentTypeDialog</name>
    <message>
        <source>Add an appointment type</source>
        <translation>Add an appointment type</translation>
    </message>
    <message>
        <source>Change an appointment type</source>
        <translation>Change an appointment type</translation>
    </message>
    <message>
        <source>The usual length is offered when booking; each booking may still be longer or shorter. Bookings already made keep their own length.</source>
        <translation>The usual length is offered when booking; each booking may still be longer or shorter. Bookings already made keep their own length.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>e.g. 中医推拿</source>
        <translation>e.g. 中医推拿</translation>
    </message>
    <message>
        <source>Usual length</source>
        <translation>Usual length</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>Colour</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>Needs</translation>
    </message>
    <message>
        <source>Counts against a membership benefit</source>
        <translation>Counts against a membership benefit</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(none)</translation>
    </message>
    <message>
        <source>No rooms or devices yet. Add them on the Rooms and devices tab.</source>
        <translation>No rooms or devices yet. Add them on the Rooms and devices tab.</translation>
    </message>
</context>
<context>
    <name>AttachmentDialog</name>
    <message>
        <source>Add a report or file</source>
        <translation>Add a report or file</translation>
    </message>
    <message>
        <source>Title (e.g. Blood test)</source>
        <translation>Title (e.g. Blood test)</translation>
    </message>
    <message>
        <source>Kind of document</source>
        <translation>Kind of document</translation>
    </message>
    <message>
        <source>The file is kept inside the encrypted clinic file; the original can be deleted afterwards.</source>
        <translation>The file is kept inside the encrypted clinic file; the original can be deleted afterwards.</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <source>File</source>
        <translation>File</translation>
    </message>
    <message>
        <source>Choose the file</source>
        <translation>Choose the file</translation>
    </message>
    <message>
        <source>Reports and images (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)</source>
        <translation>Reports and images (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)</translation>
    </message>
</context>
<context>
    <name>AttachmentKind</name>
    <message>
        <source>Examination report</source>
        <translation>Examination report</translation>
    </message>
    <message>
        <source>Laboratory result</source>
        <translation>Laboratory result</translation>
    </message>
    <message>
        <source>Imaging (X-ray, ultrasound, CT)</source>
        <translation>Imaging (X-ray, ultrasound, CT)</translation>
    </message>
    <message>
        <source>ECG</source>
        <translation>ECG</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>Letter</translation>
    </message>
    <message>
        <source>Referral document</source>
        <translation>Referral document</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Photo</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Other</translation>
    </message>
</context>
<context>
    <name>AttentionBanner</name>
    <message numerus="yes">
        <source>⚠ %n items need attention — show them</source>
        <extracomment>open ``target`` on the page ``key`` (see ``AttentionPanel.sig_open``) a new list arrived (``AttentionList``)</extracomment>
        <translation>
            <numerusform>⚠ %n items need attention — show them</numerusform>
            <numerusform>⚠ %n items need attention — show them</numerusform>
        </translation>
    </message>
    <message>
        <source>Clashes from two workstations that worked while they could not reach each other. Click to see what to do.</source>
        <translation>Clashes from two workstations that worked while they could not reach each other. Click to see what to do.</translation>
    </message>
</context>
<context>
    <name>AttentionPanel</name>
    <message>
        <source>Needs attention</source>
        <extracomment>open ``target`` on the page ``key`` (&quot;calendar&quot;, &quot;reception&quot;, &quot;patients&quot;)</extracomment>
        <translation>Needs attention</translation>
    </message>
    <message>
        <source>Two workstations that could not reach each other made changes that clash. Settle each one as usual; the change reaches every workstation and the item leaves this list.</source>
        <translation>Two workstations that could not reach each other made changes that clash. Settle each one as usual; the change reaches every workstation and the item leaves this list.</translation>
    </message>
    <message>
        <source>Nothing needs attention now.</source>
        <translation>Nothing needs attention now.</translation>
    </message>
</context>
<context>
    <name>AttentionTexts</name>
    <message>
        <source>today</source>
        <translation>today</translation>
    </message>
    <message>
        <source>yesterday</source>
        <translation>yesterday</translation>
    </message>
    <message>
        <source>tomorrow</source>
        <translation>tomorrow</translation>
    </message>
    <message>
        <source>on {month}/{day}</source>
        <translation>on {month}/{day}</translation>
    </message>
    <message>
        <source>{doctor} has two bookings at {time} {date} (made at two desks while offline)</source>
        <translation>{doctor} has two bookings at {time} {date} (made at two desks while offline)</translation>
    </message>
    <message>
        <source>A doctor</source>
        <translation>A doctor</translation>
    </message>
    <message>
        <source>{resource} is booked twice at {time} {date} (made at two desks while offline)</source>
        <translation>{resource} is booked twice at {time} {date} (made at two desks while offline)</translation>
    </message>
    <message>
        <source>A room or device</source>
        <translation>A room or device</translation>
    </message>
    <message>
        <source>A patient</source>
        <translation>A patient</translation>
    </message>
    <message>
        <source>{patient} was checked in twice {date} for one booking</source>
        <translation>{patient} was checked in twice {date} for one booking</translation>
    </message>
    <message>
        <source>{patient} was checked in twice {date}</source>
        <translation>{patient} was checked in twice {date}</translation>
    </message>
    <message>
        <source>Queue number {no} was given twice {date}</source>
        <translation>Queue number {no} was given twice {date}</translation>
    </message>
    <message>
        <source>Record number {no} is on two patients</source>
        <translation>Record number {no} is on two patients</translation>
    </message>
    <message>
        <source>{benefit} of {payer}&apos;s membership (card {card}) used {used} times of {quota} from {first} to {last} (recorded at two desks while offline)</source>
        <translation>{benefit} of {payer}&apos;s membership (card {card}) used {used} times of {quota} from {first} to {last} (recorded at two desks while offline)</translation>
    </message>
    <message>
        <source>Two workstations made changes that clash ({kind})</source>
        <translation>Two workstations made changes that clash ({kind})</translation>
    </message>
    <message>
        <source>Call the patients if needed, then cancel or move one of the two bookings on the calendar.</source>
        <translation>Call the patients if needed, then cancel or move one of the two bookings on the calendar.</translation>
    </message>
    <message>
        <source>That day is over; nothing to do unless the records are wrong.</source>
        <translation>That day is over; nothing to do unless the records are wrong.</translation>
    </message>
    <message>
        <source>Keep one of the two places in the queue: select the other on the board and choose “Left without being seen”.</source>
        <translation>Keep one of the two places in the queue: select the other on the board and choose “Left without being seen”.</translation>
    </message>
    <message>
        <source>That day is over; nothing to do.</source>
        <translation>That day is over; nothing to do.</translation>
    </message>
    <message>
        <source>Both patients hold the same number: when it is called, call them by name too.</source>
        <translation>Both patients hold the same number: when it is called, call them by name too.</translation>
    </message>
    <message>
        <source>If both files are the same person, merge them in Patients; otherwise tell whoever looks after ClinicDesk, who will give one file a new number.</source>
        <translation>If both files are the same person, merge them in Patients; otherwise tell whoever looks after ClinicDesk, who will give one file a new number.</translation>
    </message>
    <message>
        <source>Both uses are kept. Settle the extra one with the member (charge it, or agree it), then press Seen under Membership → Reports → Allowances overdrawn.</source>
        <translation>Both uses are kept. Settle the extra one with the member (charge it, or agree it), then press Seen under Membership → Reports → Allowances overdrawn.</translation>
    </message>
    <message>
        <source>Tell whoever looks after ClinicDesk.</source>
        <translation>Tell whoever looks after ClinicDesk.</translation>
    </message>
    <message>
        <source>Open the calendar</source>
        <translation>Open the calendar</translation>
    </message>
    <message>
        <source>Show on the board</source>
        <translation>Show on the board</translation>
    </message>
    <message>
        <source>Show the two patients</source>
        <translation>Show the two patients</translation>
    </message>
    <message>
        <source>Open the membership</source>
        <translation>Open the membership</translation>
    </message>
</context>
<context>
    <name>BenefitsTable</name>
    <message>
        <source>Benefit</source>
        <translation>Benefit</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>How many</source>
        <translation>How many</translation>
    </message>
    <message>
        <source>Every</source>
        <translation>Every</translation>
    </message>
    <message>
        <source>What the member gets, in your words</source>
        <translation>What the member gets, in your words</translation>
    </message>
    <message>
        <source>Included</source>
        <translation>Included</translation>
    </message>
    <message>
        <source>Allowance</source>
        <translation>Allowance</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
</context>
<context>
    <name>BookingDialog</name>
    <message>
        <source>New appointment</source>
        <translation>New appointment</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Name, pinyin initials, phone digits or record number</source>
        <translation>Name, pinyin initials, phone digits or record number</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>Purpose</translation>
    </message>
    <message>
        <source>When</source>
        <translation>When</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>minutes</translation>
    </message>
    <message>
        <source>Booked by</source>
        <translation>Booked by</translation>
    </message>
    <message>
        <source>Reason for the visit</source>
        <translation>Reason for the visit</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>Emergency add-on (临时加号): book even if the doctor is full</source>
        <translation>Emergency add-on (临时加号): book even if the doctor is full</translation>
    </message>
    <message>
        <source>I have checked the patient&apos;s identity (real-name booking)</source>
        <translation>I have checked the patient&apos;s identity (real-name booking)</translation>
    </message>
    <message>
        <source>Copy to send</source>
        <translation>Copy to send</translation>
    </message>
    <message>
        <source>Print for the patient…</source>
        <translation>Print for the patient…</translation>
    </message>
    <message>
        <source>Print the slip</source>
        <translation>Print the slip</translation>
    </message>
    <message>
        <source>Print the appointment slip after booking</source>
        <translation>Print the appointment slip after booking</translation>
    </message>
    <message>
        <source>Reason for booking after the cutoff</source>
        <translation>Reason for booking after the cutoff</translation>
    </message>
    <message>
        <source>Allow with a reason…</source>
        <translation>Allow with a reason…</translation>
    </message>
    <message>
        <source>Why this visit is allowed past the allowance (kept in the audit log)</source>
        <translation>Why this visit is allowed past the allowance (kept in the audit log)</translation>
    </message>
    <message>
        <source>Book</source>
        <translation>Book</translation>
    </message>
    <message>
        <source>Repeat this appointment</source>
        <translation>Repeat this appointment</translation>
    </message>
    <message>
        <source>Every</source>
        <translation>Every</translation>
    </message>
    <message>
        <source>day(s)</source>
        <translation>day(s)</translation>
    </message>
    <message>
        <source>week(s)</source>
        <translation>week(s)</translation>
    </message>
    <message>
        <source>month(s)</source>
        <translation>month(s)</translation>
    </message>
    <message>
        <source>On</source>
        <comment>the weekdays of a weekly repeat</comment>
        <translation>On</translation>
    </message>
    <message>
        <source>Ends</source>
        <translation>Ends</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>Never</translation>
    </message>
    <message>
        <source>On</source>
        <comment>a series ends on a date</comment>
        <translation>On</translation>
    </message>
    <message>
        <source>After</source>
        <translation>After</translation>
    </message>
    <message>
        <source>times</source>
        <translation>times</translation>
    </message>
    <message>
        <source>On public holidays</source>
        <translation>On public holidays</translation>
    </message>
    <message>
        <source>Skip the day</source>
        <translation>Skip the day</translation>
    </message>
    <message>
        <source>Book and flag it</source>
        <translation>Book and flag it</translation>
    </message>
    <message>
        <source>A series books every date or none. Notes and the add-on mark are for single appointments.</source>
        <translation>A series books every date or none. Notes and the add-on mark are for single appointments.</translation>
    </message>
    <message numerus="yes">
        <source>Skip these %n date(s) and book the rest</source>
        <translation>
            <numerusform>Skip these %n date and book the rest</numerusform>
            <numerusform>Skip these %n dates and book the rest</numerusform>
        </translation>
    </message>
    <message>
        <source>{day} is a public holiday ({name}): skipped</source>
        <translation>{day} is a public holiday ({name}): skipped</translation>
    </message>
    <message>
        <source>{day} is a public holiday ({name}): booked and flagged</source>
        <translation>{day} is a public holiday ({name}): booked and flagged</translation>
    </message>
    <message>
        <source>No date to book: every date is a skipped holiday.</source>
        <translation>No date to book: every date is a skipped holiday.</translation>
    </message>
    <message numerus="yes">
        <source>%n appointment(s): {dates}</source>
        <translation>
            <numerusform>%n appointment: {dates}</numerusform>
            <numerusform>%n appointments: {dates}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>and %n more holiday(s)</source>
        <translation>
            <numerusform>and %n more holiday</numerusform>
            <numerusform>and %n more holidays</numerusform>
        </translation>
    </message>
    <message>
        <source>No end: booked up to {day} now; later dates are added as time passes.</source>
        <translation>No end: booked up to {day} now; later dates are added as time passes.</translation>
    </message>
    <message>
        <source>Member: {tier} — priority booking</source>
        <translation>Member: {tier} — priority booking</translation>
    </message>
    <message>
        <source>Member: {tier}</source>
        <translation>Member: {tier}</translation>
    </message>
    <message>
        <source>(suspended)</source>
        <translation>(suspended)</translation>
    </message>
    <message>
        <source>Home visits: {left} of {quota} left (until {last})</source>
        <translation>Home visits: {left} of {quota} left (until {last})</translation>
    </message>
    <message>
        <source>This membership has no home-visit allowance: this home visit is not counted against an allowance</source>
        <translation>This membership has no home-visit allowance: this home visit is not counted against an allowance</translation>
    </message>
    <message>
        <source>Not a member: this home visit is not counted against an allowance</source>
        <translation>Not a member: this home visit is not counted against an allowance</translation>
    </message>
    <message>
        <source>Give the reason, then press Book again: the visit is counted past the allowance and the reason is kept in the audit log.</source>
        <translation>Give the reason, then press Book again: the visit is counted past the allowance and the reason is kept in the audit log.</translation>
    </message>
    <message>
        <source>Book the time held for members anyway</source>
        <translation>Book the time held for members anyway</translation>
    </message>
    <message>
        <source>the doctor is already booked then</source>
        <translation>the doctor is already booked then</translation>
    </message>
    <message>
        <source>a room or device is taken then</source>
        <translation>a room or device is taken then</translation>
    </message>
    <message>
        <source>past the booking cutoff</source>
        <translation>past the booking cutoff</translation>
    </message>
    <message>
        <source>the time has passed</source>
        <translation>the time has passed</translation>
    </message>
    <message>
        <source>outside the doctor&apos;s working hours</source>
        <translation>outside the doctor&apos;s working hours</translation>
    </message>
    <message>
        <source>the patient has another appointment then</source>
        <translation>the patient has another appointment then</translation>
    </message>
    <message>
        <source>First visit — tell the patient:</source>
        <translation>First visit — tell the patient:</translation>
    </message>
    <message>
        <source>Returning patient: suggested times with the usual doctor</source>
        <translation>Returning patient: suggested times with the usual doctor</translation>
    </message>
    <message>
        <source>(choose)</source>
        <translation>(choose)</translation>
    </message>
    <message>
        <source>Choose the patient first: search and pick one.</source>
        <translation>Choose the patient first: search and pick one.</translation>
    </message>
    <message>
        <source>Choose a doctor.</source>
        <translation>Choose a doctor.</translation>
    </message>
    <message>
        <source>Book it although the time has passed</source>
        <translation>Book it although the time has passed</translation>
    </message>
    <message>
        <source>Book outside the doctor&apos;s working hours</source>
        <translation>Book outside the doctor&apos;s working hours</translation>
    </message>
    <message>
        <source>Book on a day the clinic is closed</source>
        <translation>Book on a day the clinic is closed</translation>
    </message>
    <message>
        <source>The patient has another appointment then: book anyway</source>
        <translation>The patient has another appointment then: book anyway</translation>
    </message>
    <message>
        <source>Book after the cutoff (director, with a reason)</source>
        <translation>Book after the cutoff (director, with a reason)</translation>
    </message>
</context>
<context>
    <name>CalendarPage</name>
    <message>
        <source>%n free</source>
        <translation>%n free</translation>
    </message>
    <message>
        <source>, %n for members</source>
        <translation>, %n for members</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>Mon</source>
        <translation>Mon</translation>
    </message>
    <message>
        <source>Tue</source>
        <translation>Tue</translation>
    </message>
    <message>
        <source>Wed</source>
        <translation>Wed</translation>
    </message>
    <message>
        <source>Thu</source>
        <translation>Thu</translation>
    </message>
    <message>
        <source>Fri</source>
        <translation>Fri</translation>
    </message>
    <message>
        <source>Sat</source>
        <translation>Sat</translation>
    </message>
    <message>
        <source>Sun</source>
        <translation>Sun</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>Earlier (PgUp)</source>
        <translation>Earlier (PgUp)</translation>
    </message>
    <message>
        <source>Later (PgDown)</source>
        <translation>Later (PgDown)</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>Week</source>
        <translation>Week</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>Month</translation>
    </message>
    <message>
        <source>New appointment…</source>
        <translation>New appointment…</translation>
    </message>
    <message>
        <source>Book an appointment (Ctrl+N)</source>
        <translation>Book an appointment (Ctrl+N)</translation>
    </message>
    <message>
        <source>Doctor absence…</source>
        <translation>Doctor absence…</translation>
    </message>
    <message>
        <source>A doctor cannot come (停诊) or another doctor stands in: list the patients to call</source>
        <translation>A doctor cannot come (停诊) or another doctor stands in: list the patients to call</translation>
    </message>
    <message>
        <source>Waitlist</source>
        <translation>Waitlist</translation>
    </message>
    <message>
        <source>Statistics…</source>
        <translation>Statistics…</translation>
    </message>
    <message>
        <source>Bookings, arrivals, no-shows and late cancellations by day, doctor, channel (A9)</source>
        <translation>Bookings, arrivals, no-shows and late cancellations by day, doctor, channel (A9)</translation>
    </message>
    <message>
        <source>{year}-{month:02d}</source>
        <translation>{year}-{month:02d}</translation>
    </message>
    <message>
        <source>Week of {day}</source>
        <translation>Week of {day}</translation>
    </message>
    <message>
        <source>No doctor can be booked yet. The director adds doctors&apos; working hours under Settings → Rosters.</source>
        <translation>No doctor can be booked yet. The director adds doctors&apos; working hours under Settings → Rosters.</translation>
    </message>
    <message numerus="yes">
        <source>%n appointment(s)</source>
        <translation>
            <numerusform>%n appointment</numerusform>
            <numerusform>%n appointments</numerusform>
        </translation>
    </message>
    <message>
        <source>Only this appointment moves to another day; to change the weekdays of the series use Change the series…</source>
        <translation>Only this appointment moves to another day; to change the weekdays of the series use Change the series…</translation>
    </message>
    <message>
        <source>Move the appointment</source>
        <translation>Move the appointment</translation>
    </message>
    <message>
        <source>Move {patient} to {when} with {doctor}? Check the patient&apos;s identity (real-name booking) when you tell them.</source>
        <translation>Move {patient} to {when} with {doctor}? Check the patient&apos;s identity (real-name booking) when you tell them.</translation>
    </message>
    <message>
        <source>Move it anyway?</source>
        <translation>Move it anyway?</translation>
    </message>
    <message>
        <source>Please confirm</source>
        <translation>Please confirm</translation>
    </message>
    <message>
        <source>Not moved</source>
        <translation>Not moved</translation>
    </message>
</context>
<context>
    <name>CallDialog</name>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Second phone</source>
        <translation>Second phone</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>WeChat</translation>
    </message>
    <message>
        <source>QQ</source>
        <translation>QQ</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>Follow-up call</source>
        <translation>Follow-up call</translation>
    </message>
    <message>
        <source>What to say</source>
        <translation>What to say</translation>
    </message>
    <message>
        <source>How to reach them (click to copy)</source>
        <translation>How to reach them (click to copy)</translation>
    </message>
    <message>
        <source>From the record</source>
        <translation>From the record</translation>
    </message>
    <message>
        <source>Earlier attempts</source>
        <translation>Earlier attempts</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>Reached</source>
        <translation>Reached</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>No answer</translation>
    </message>
    <message>
        <source>Wrong number</source>
        <translation>Wrong number</translation>
    </message>
    <message>
        <source>Refused to talk</source>
        <translation>Refused to talk</translation>
    </message>
    <message>
        <source>By</source>
        <translation>By</translation>
    </message>
    <message>
        <source>Did the level 1 and 2 calls happen?</source>
        <translation>Did the level 1 and 2 calls happen?</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>No</source>
        <translation>No</translation>
    </message>
    <message>
        <source>Recovery</source>
        <translation>Recovery</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>Medication</translation>
    </message>
    <message>
        <source>Satisfaction, 1 (very dissatisfied) to 5 (very satisfied): click, or press 1-5 on the row; leave it empty if the patient did not answer.</source>
        <translation>Satisfaction, 1 (very dissatisfied) to 5 (very satisfied): click, or press 1-5 on the row; leave it empty if the patient did not answer.</translation>
    </message>
    <message>
        <source>1 = very dissatisfied … 5 = very satisfied; 0 clears</source>
        <translation>1 = very dissatisfied … 5 = very satisfied; 0 clears</translation>
    </message>
    <message>
        <source>Anything else the patient said</source>
        <translation>Anything else the patient said</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>Suggestions</translation>
    </message>
    <message>
        <source>Forward to department</source>
        <translation>Forward to department</translation>
    </message>
    <message>
        <source>The department gets the suggestions as an item to answer (抄告)</source>
        <translation>The department gets the suggestions as an item to answer (抄告)</translation>
    </message>
    <message>
        <source>The patient is complaining</source>
        <translation>The patient is complaining</translation>
    </message>
    <message>
        <source>Opens a complaint with you as its owner until it is closed</source>
        <translation>Opens a complaint with you as its owner until it is closed</translation>
    </message>
    <message>
        <source>The complaint</source>
        <translation>The complaint</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>Confirm the appointment</source>
        <translation>Confirm the appointment</translation>
    </message>
    <message>
        <source>Send the follow-up advice</source>
        <translation>Send the follow-up advice</translation>
    </message>
    <message>
        <source>Queues the “follow-up advice” message for the patient in the outbox</source>
        <translation>Queues the “follow-up advice” message for the patient in the outbox</translation>
    </message>
    <message>
        <source>Print the call record…</source>
        <translation>Print the call record…</translation>
    </message>
    <message>
        <source>The follow-up form filled from this call</source>
        <translation>The follow-up form filled from this call</translation>
    </message>
    <message>
        <source>Save the call</source>
        <translation>Save the call</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message numerus="yes">
        <source>%n year(s)</source>
        <translation>
            <numerusform>%n year</numerusform>
            <numerusform>%n years</numerusform>
        </translation>
    </message>
    <message>
        <source>Record no. {no}</source>
        <translation>Record no. {no}</translation>
    </message>
    <message>
        <source>Doctor: {name}</source>
        <translation>Doctor: {name}</translation>
    </message>
    <message>
        <source>Department: {name}</source>
        <translation>Department: {name}</translation>
    </message>
    <message>
        <source>Appointment: {time}</source>
        <translation>Appointment: {time}</translation>
    </message>
    <message>
        <source>Address: {address}</source>
        <translation>Address: {address}</translation>
    </message>
    <message>
        <source>Due {first} to {last}</source>
        <translation>Due {first} to {last}</translation>
    </message>
    <message>
        <source>The clinical summary is not shown for your role.</source>
        <translation>The clinical summary is not shown for your role.</translation>
    </message>
    <message>
        <source>Nothing recorded yet.</source>
        <translation>Nothing recorded yet.</translation>
    </message>
    <message>
        <source>This patient has died. Do not call; close the task.</source>
        <translation>This patient has died. Do not call; close the task.</translation>
    </message>
    <message>
        <source>This patient asked not to be called. Do not call; close the task.</source>
        <translation>This patient asked not to be called. Do not call; close the task.</translation>
    </message>
    <message>
        <source>the doctor</source>
        <translation>the doctor</translation>
    </message>
    <message>
        <source>Hello, is this {who}? This is {me} from {clinic}.</source>
        <translation>Hello, is this {who}? This is {me} from {clinic}.</translation>
    </message>
    <message>
        <source>This follow-up is a {channel} to {who}: the recovery advice and a reminder to come back if it does not get better.</source>
        <translation>This follow-up is a {channel} to {who}: the recovery advice and a reminder to come back if it does not get better.</translation>
    </message>
    <message>
        <source>Queue it with “Send the follow-up advice”, then save the follow-up as reached. If there is no way to send it, call instead.</source>
        <translation>Queue it with “Send the follow-up advice”, then save the follow-up as reached. If there is no way to send it, call instead.</translation>
    </message>
    <message>
        <source>We are calling to confirm your appointment with {doctor} at {time}. Will you be able to come?</source>
        <translation>We are calling to confirm your appointment with {doctor} at {time}. Will you be able to come?</translation>
    </message>
    <message>
        <source>Yes: tick “Confirm the appointment”. No: offer another time, and note what the patient said.</source>
        <translation>Yes: tick “Confirm the appointment”. No: offer another time, and note what the patient said.</translation>
    </message>
    <message>
        <source>You had an appointment with {doctor} at {time} and we missed you. We hope all is well. Would you like to book another time?</source>
        <translation>You had an appointment with {doctor} at {time} and we missed you. We hope all is well. Would you like to book another time?</translation>
    </message>
    <message>
        <source>Note the reason the patient gives.</source>
        <translation>Note the reason the patient gives.</translation>
    </message>
    <message>
        <source>We are calling about: {what}</source>
        <translation>We are calling about: {what}</translation>
    </message>
    <message>
        <source>Thank you for visiting us recently. To improve our service we are asking a few of our patients about their visit. It takes about three minutes; may I ask you a few questions?</source>
        <translation>Thank you for visiting us recently. To improve our service we are asking a few of our patients about their visit. It takes about three minutes; may I ask you a few questions?</translation>
    </message>
    <message>
        <source>Read the questions on the right one by one; for each, the patient gives a score from 1 (very dissatisfied) to 5 (very satisfied). Write down anything else they say.</source>
        <translation>Read the questions on the right one by one; for each, the patient gives a score from 1 (very dissatisfied) to 5 (very satisfied). Write down anything else they say.</translation>
    </message>
    <message>
        <source>Thank you very much, {who}, for your time and your opinion. We wish you good health.</source>
        <translation>Thank you very much, {who}, for your time and your opinion. We wish you good health.</translation>
    </message>
    <message>
        <source>We are calling to see how you are after your visit with {doctor}. Do you have a few minutes?</source>
        <translation>We are calling to see how you are after your visit with {doctor}. Do you have a few minutes?</translation>
    </message>
    <message>
        <source>How are you feeling now?</source>
        <translation>How are you feeling now?</translation>
    </message>
    <message>
        <source>Are you taking your medicine as the doctor advised?</source>
        <translation>Are you taking your medicine as the doctor advised?</translation>
    </message>
    <message>
        <source>On the day you went home, did a nurse call you? And did {doctor} call you in the two weeks after?</source>
        <translation>On the day you went home, did a nurse call you? And did {doctor} call you in the two weeks after?</translation>
    </message>
    <message>
        <source>On a scale of 1 to 5, how satisfied are you with your visit? (the questions on the right)</source>
        <translation>On a scale of 1 to 5, how satisfied are you with your visit? (the questions on the right)</translation>
    </message>
    <message>
        <source>Is there anything we could do better?</source>
        <translation>Is there anything we could do better?</translation>
    </message>
    <message>
        <source>Thank you, {who}. Call us any time if anything changes.</source>
        <translation>Thank you, {who}. Call us any time if anything changes.</translation>
    </message>
    <message>
        <source>Queued to {address}. Save the follow-up to finish it.</source>
        <translation>Queued to {address}. Save the follow-up to finish it.</translation>
    </message>
    <message>
        <source>How is the wound healing? Any fever, redness or pain?</source>
        <translation>How is the wound healing? Any fever, redness or pain?</translation>
    </message>
    <message>
        <source>Any bleeding, pain or fever since the procedure?</source>
        <translation>Any bleeding, pain or fever since the procedure?</translation>
    </message>
    <message>
        <source>Are your readings (blood pressure, blood sugar) under control?</source>
        <translation>Are your readings (blood pressure, blood sugar) under control?</translation>
    </message>
    <message>
        <source>Have you arranged the further check the report recommended?</source>
        <translation>Have you arranged the further check the report recommended?</translation>
    </message>
    <message>
        <source>Have the fever and the cough gone?</source>
        <translation>Have the fever and the cough gone?</translation>
    </message>
    <message>
        <source>Copy to the clipboard</source>
        <translation>Copy to the clipboard</translation>
    </message>
    <message>
        <source>No phone or other contact recorded.</source>
        <translation>No phone or other contact recorded.</translation>
    </message>
    <message>
        <source>Copied {value} to the clipboard.</source>
        <translation>Copied {value} to the clipboard.</translation>
    </message>
    <message>
        <source>Level {level} ({who}): {state}</source>
        <translation>Level {level} ({who}): {state}</translation>
    </message>
    <message>
        <source>None: this is the first.</source>
        <translation>None: this is the first.</translation>
    </message>
    <message>
        <source>Choose the outcome of the call first.</source>
        <translation>Choose the outcome of the call first.</translation>
    </message>
    <message>
        <source>Write what the patient complains about, or untick the complaint.</source>
        <translation>Write what the patient complains about, or untick the complaint.</translation>
    </message>
    <message>
        <source>Choose or type the department the suggestions go to.</source>
        <translation>Choose or type the department the suggestions go to.</translation>
    </message>
    <message>
        <source>Write the suggestions to forward, or untick the forwarding.</source>
        <translation>Write the suggestions to forward, or untick the forwarding.</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Saved.</translation>
    </message>
    <message>
        <source>Saved. No answer: the call comes back after {time}.</source>
        <translation>Saved. No answer: the call comes back after {time}.</translation>
    </message>
    <message>
        <source>Saved. The task is closed: {reason}.</source>
        <translation>Saved. The task is closed: {reason}.</translation>
    </message>
    <message>
        <source>Saved. This call is done.</source>
        <translation>Saved. This call is done.</translation>
    </message>
    <message>
        <source>The suggestions were forwarded to {department}.</source>
        <translation>The suggestions were forwarded to {department}.</translation>
    </message>
    <message>
        <source>A complaint was opened; you own it until it is closed.</source>
        <translation>A complaint was opened; you own it until it is closed.</translation>
    </message>
</context>
<context>
    <name>CampaignDialog</name>
    <message>
        <source>Health reminders</source>
        <translation>Health reminders</translation>
    </message>
    <message>
        <source>Send a seasonal tip or a reminder to a group of patients. Each gets it on their own channel (SMS, WeChat or e-mail), addressed politely; patients who opted out of messages are left out. Never name a diagnosis or a medicine in the text.</source>
        <translation>Send a seasonal tip or a reminder to a group of patients. Each gets it on their own channel (SMS, WeChat or e-mail), addressed politely; patients who opted out of messages are left out. Never name a diagnosis or a medicine in the text.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>e.g. Flu season 2026</source>
        <translation>e.g. Flu season 2026</translation>
    </message>
    <message>
        <source>Who gets it</source>
        <translation>Who gets it</translation>
    </message>
    <message>
        <source>Condition contains</source>
        <translation>Condition contains</translation>
    </message>
    <message>
        <source>e.g. 高血压, or empty for everyone</source>
        <translation>e.g. 高血压, or empty for everyone</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>Age</translation>
    </message>
    <message>
        <source>to</source>
        <translation>to</translation>
    </message>
    <message>
        <source>any</source>
        <translation>any</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>Anyone</source>
        <translation>Anyone</translation>
    </message>
    <message>
        <source>Women</source>
        <translation>Women</translation>
    </message>
    <message>
        <source>Men</source>
        <translation>Men</translation>
    </message>
    <message>
        <source>Visited since</source>
        <translation>Visited since</translation>
    </message>
    <message>
        <source>only patients seen since</source>
        <translation>only patients seen since</translation>
    </message>
    <message>
        <source>Kind of visit</source>
        <translation>Kind of visit</translation>
    </message>
    <message>
        <source>Any</source>
        <translation>Any</translation>
    </message>
    <message>
        <source>The message</source>
        <translation>The message</translation>
    </message>
    <message>
        <source>Subject (e-mail)</source>
        <translation>Subject (e-mail)</translation>
    </message>
    <message>
        <source>Past health reminders</source>
        <translation>Past health reminders</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Started</translation>
    </message>
    <message>
        <source>By</source>
        <translation>By</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>Queued</translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation>Skipped</translation>
    </message>
    <message>
        <source>Messages now</source>
        <translation>Messages now</translation>
    </message>
    <message>
        <source>Start…</source>
        <translation>Start…</translation>
    </message>
    <message>
        <source>{n} {reason}</source>
        <translation>{n} {reason}</translation>
    </message>
    <message>
        <source>; </source>
        <translation>; </translation>
    </message>
    <message>
        <source>{n} {state}</source>
        <translation>{n} {state}</translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) will get it.</source>
        <translation>
            <numerusform>%n patient will get it.</numerusform>
            <numerusform>%n patients will get it.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{reach}; %n skipped ({why}).</source>
        <translation>
            <numerusform>{reach}; %n skipped ({why}).</numerusform>
            <numerusform>{reach}; %n skipped ({why}).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) will get it</source>
        <translation>
            <numerusform>%n patient will get it</numerusform>
            <numerusform>%n patients will get it</numerusform>
        </translation>
    </message>
    <message>
        <source>Counting the patients…</source>
        <translation>Counting the patients…</translation>
    </message>
    <message>
        <source>Ms Zhang reads: {text}</source>
        <translation>Ms Zhang reads: {text}</translation>
    </message>
    <message>
        <source>Start the health reminder</source>
        <translation>Start the health reminder</translation>
    </message>
    <message numerus="yes">
        <source>Queue “{name}” for %n patient(s)? E-mails go with the next sending; SMS and WeChat messages with the next batch export.</source>
        <translation>
            <numerusform>Queue “{name}” for %n patient? E-mails go with the next sending; SMS and WeChat messages with the next batch export.</numerusform>
            <numerusform>Queue “{name}” for %n patients? E-mails go with the next sending; SMS and WeChat messages with the next batch export.</numerusform>
        </translation>
    </message>
    <message>
        <source>Queuing the messages…</source>
        <translation>Queuing the messages…</translation>
    </message>
    <message numerus="yes">
        <source>Queued for %n patient(s).</source>
        <translation>
            <numerusform>Queued for %n patient.</numerusform>
            <numerusform>Queued for %n patients.</numerusform>
        </translation>
    </message>
    <message>
        <source>Not sent to: {who}.</source>
        <translation>Not sent to: {who}.</translation>
    </message>
</context>
<context>
    <name>CandidatesBox</name>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Wants</source>
        <translation>Wants</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Priority</translation>
    </message>
    <message>
        <source>Waiting since</source>
        <translation>Waiting since</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>Hide</translation>
    </message>
    <message>
        <source>{time} with {doctor} ({minutes} min)</source>
        <translation>{time} with {doctor} ({minutes} min)</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>Offered</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>Booked</translation>
    </message>
    <message>
        <source>Removed</source>
        <translation>Removed</translation>
    </message>
    <message>
        <source>Freed: {slot}. Who on the waitlist could take it:</source>
        <translation>Freed: {slot}. Who on the waitlist could take it:</translation>
    </message>
    <message>
        <source>Freed: {slot}. Nobody on the waitlist can take it.</source>
        <translation>Freed: {slot}. Nobody on the waitlist can take it.</translation>
    </message>
    <message>
        <source>Offer</source>
        <translation>Offer</translation>
    </message>
    <message>
        <source>You offered the slot to this patient (by phone or message)</source>
        <translation>You offered the slot to this patient (by phone or message)</translation>
    </message>
    <message>
        <source>Book…</source>
        <translation>Book…</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>Declined</translation>
    </message>
    <message>
        <source>The patient said no; they keep waiting</source>
        <translation>The patient said no; they keep waiting</translation>
    </message>
    <message>
        <source>offered {slot}</source>
        <translation>offered {slot}</translation>
    </message>
</context>
<context>
    <name>CareTeamDialog</name>
    <message>
        <source>Care team of {card}</source>
        <translation>Care team of {card}</translation>
    </message>
    <message>
        <source>The members&apos; named care team: choose a staff member, or type the name and phone of someone outside the clinic.</source>
        <translation>The members&apos; named care team: choose a staff member, or type the name and phone of someone outside the clinic.</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>Who</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Add a person</source>
        <translation>Add a person</translation>
    </message>
    <message>
        <source>(nobody yet)</source>
        <translation>(nobody yet)</translation>
    </message>
    <message>
        <source>Someone outside the clinic</source>
        <translation>Someone outside the clinic</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
</context>
<context>
    <name>ChangePassphraseDialog</name>
    <message>
        <source>Change the clinic passphrase</source>
        <translation>Change the clinic passphrase</translation>
    </message>
    <message>
        <source>The passphrase unlocks the clinic&apos;s encrypted data. Change it if someone who knew it should no longer have it. Backups made before today still open with the old passphrase (or the recovery key).</source>
        <translation>The passphrase unlocks the clinic&apos;s encrypted data. Change it if someone who knew it should no longer have it. Backups made before today still open with the old passphrase (or the recovery key).</translation>
    </message>
    <message>
        <source>Current passphrase</source>
        <translation>Current passphrase</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>New passphrase</translation>
    </message>
    <message>
        <source>New passphrase again</source>
        <translation>New passphrase again</translation>
    </message>
    <message>
        <source>Type the current passphrase.</source>
        <translation>Type the current passphrase.</translation>
    </message>
    <message>
        <source>The two new passphrases are not the same. Type the same passphrase twice.</source>
        <translation>The two new passphrases are not the same. Type the same passphrase twice.</translation>
    </message>
    <message>
        <source>Changing the passphrase…</source>
        <translation>Changing the passphrase…</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <source>Change your password</source>
        <translation>Change your password</translation>
    </message>
    <message>
        <source>Choose your own password before you start. Use at least 8 characters; a short sentence is easy to remember and hard to guess.</source>
        <translation>Choose your own password before you start. Use at least 8 characters; a short sentence is easy to remember and hard to guess.</translation>
    </message>
    <message>
        <source>Type your current password, then the new one twice.</source>
        <translation>Type your current password, then the new one twice.</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>Current password</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>New password</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>New password again</translation>
    </message>
    <message>
        <source>The two new passwords are not the same.</source>
        <translation>The two new passwords are not the same.</translation>
    </message>
</context>
<context>
    <name>ChangeTierDialog</name>
    <message>
        <source>Change tier of {card}</source>
        <translation>Change tier of {card}</translation>
    </message>
    <message>
        <source>Now {tier}, {first} to {last}. Choose the new tier.</source>
        <translation>Now {tier}, {first} to {last}. Choose the new tier.</translation>
    </message>
    <message>
        <source>New tier</source>
        <translation>New tier</translation>
    </message>
    <message>
        <source>What it costs</source>
        <translation>What it costs</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>Payment</translation>
    </message>
    <message>
        <source>There is no other tier to change to.</source>
        <translation>There is no other tier to change to.</translation>
    </message>
    <message>
        <source>Working it out…</source>
        <translation>Working it out…</translation>
    </message>
    <message>
        <source>The member pays {sum}.</source>
        <translation>The member pays {sum}.</translation>
    </message>
    <message>
        <source>The clinic refunds {sum}.</source>
        <translation>The clinic refunds {sum}.</translation>
    </message>
    <message>
        <source>Nothing to pay or refund.</source>
        <translation>Nothing to pay or refund.</translation>
    </message>
    <message>
        <source>Credit for the old tier</source>
        <translation>Credit for the old tier</translation>
    </message>
    <message>
        <source>Charge for the new tier</source>
        <translation>Charge for the new tier</translation>
    </message>
    <message>
        <source>New term</source>
        <translation>New term</translation>
    </message>
    <message>
        <source>Choose the new tier.</source>
        <translation>Choose the new tier.</translation>
    </message>
</context>
<context>
    <name>CheckInDialog</name>
    <message>
        <source>Check in</source>
        <translation>Check in</translation>
    </message>
    <message>
        <source>Identity checked (real-name): the ID or the patient&apos;s card matches</source>
        <translation>Identity checked (real-name): the ID or the patient&apos;s card matches</translation>
    </message>
    <message>
        <source>Allergies and current medication (ask the patient)</source>
        <translation>Allergies and current medication (ask the patient)</translation>
    </message>
    <message>
        <source>Confirmed with the patient</source>
        <translation>Confirmed with the patient</translation>
    </message>
    <message>
        <source>Change…</source>
        <translation>Change…</translation>
    </message>
    <message>
        <source>Open the patient file: allergies, medicines, the ID document</source>
        <translation>Open the patient file: allergies, medicines, the ID document</translation>
    </message>
    <message>
        <source>Vital signs (leave empty what was not measured)</source>
        <translation>Vital signs (leave empty what was not measured)</translation>
    </message>
    <message>
        <source>Arrived at</source>
        <translation>Arrived at</translation>
    </message>
    <message>
        <source>When the patient came to the counter; change it if they had to wait</source>
        <translation>When the patient came to the counter; change it if they had to wait</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>booked for {time}</source>
        <translation>booked for {time}</translation>
    </message>
    <message>
        <source>No ID document is on file yet: ask for it and add it with Change… (real-name registration).</source>
        <translation>No ID document is on file yet: ask for it and add it with Change… (real-name registration).</translation>
    </message>
    <message>
        <source>Already in today&apos;s queue with number {no}.</source>
        <translation>Already in today&apos;s queue with number {no}.</translation>
    </message>
    <message>
        <source>This appointment is not for today.</source>
        <translation>This appointment is not for today.</translation>
    </message>
    <message>
        <source>Ask the patient about allergies and medicines taken recently; the nurse or the doctor checks them against the file.</source>
        <translation>Ask the patient about allergies and medicines taken recently; the nurse or the doctor checks them against the file.</translation>
    </message>
    <message>
        <source>Allergies:</source>
        <translation>Allergies:</translation>
    </message>
    <message>
        <source>Allergies: none recorded. Ask the patient.</source>
        <translation>Allergies: none recorded. Ask the patient.</translation>
    </message>
    <message>
        <source>Current medication:</source>
        <translation>Current medication:</translation>
    </message>
    <message>
        <source>Current medication: none recorded. Ask the patient.</source>
        <translation>Current medication: none recorded. Ask the patient.</translation>
    </message>
    <message>
        <source>Check the patient&apos;s identity first (real-name check-in), then tick the box.</source>
        <translation>Check the patient&apos;s identity first (real-name check-in), then tick the box.</translation>
    </message>
    <message>
        <source>Checked in. Please take a seat; {doctor} will call number {no}.</source>
        <translation>Checked in. Please take a seat; {doctor} will call number {no}.</translation>
    </message>
    <message>
        <source>Checked in. Please take a seat; the doctor will call number {no}.</source>
        <translation>Checked in. Please take a seat; the doctor will call number {no}.</translation>
    </message>
    <message>
        <source>No. {no}</source>
        <translation>No. {no}</translation>
    </message>
    <message>
        <source>Already checked in today: queue number {no}.</source>
        <translation>Already checked in today: queue number {no}.</translation>
    </message>
    <message>
        <source>Unusual readings</source>
        <translation>Unusual readings</translation>
    </message>
    <message>
        <source>Record them anyway?</source>
        <translation>Record them anyway?</translation>
    </message>
    <message>
        <source>Another day&apos;s appointment</source>
        <translation>Another day&apos;s appointment</translation>
    </message>
    <message>
        <source>Not checked in. Book the patient for today, or queue them as a walk-in.</source>
        <translation>Not checked in. Book the patient for today, or queue them as a walk-in.</translation>
    </message>
</context>
<context>
    <name>ChecklistEditor</name>
    <message>
        <source>Role</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>Up</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>Down</translation>
    </message>
    <message>
        <source>Save the checklist</source>
        <translation>Save the checklist</translation>
    </message>
    <message>
        <source>Double-click an item to change its words</source>
        <translation>Double-click an item to change its words</translation>
    </message>
    <message>
        <source>A checklist has at most {n} items.</source>
        <translation>A checklist has at most {n} items.</translation>
    </message>
    <message>
        <source>New item</source>
        <translation>New item</translation>
    </message>
    <message>
        <source>Saved. The new list applies from now on.</source>
        <translation>Saved. The new list applies from now on.</translation>
    </message>
</context>
<context>
    <name>ClinicPage</name>
    <message>
        <source>The name was cut at {n} characters: check its end.</source>
        <translation>The name was cut at {n} characters: check its end.</translation>
    </message>
    <message>
        <source>Choose a time zone from the list, such as Asia/Shanghai.</source>
        <translation>Choose a time zone from the list, such as Asia/Shanghai.</translation>
    </message>
    <message>
        <source>Your clinic</source>
        <translation>Your clinic</translation>
    </message>
    <message>
        <source>The clinic&apos;s name is printed on receipts, cards and the recovery kit. The address and phone can be filled in later in Settings.</source>
        <translation>The clinic&apos;s name is printed on receipts, cards and the recovery kit. The address and phone can be filled in later in Settings.</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>Clinic name</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Time zone</translation>
    </message>
    <message>
        <source>e.g. 仁和诊所</source>
        <translation>e.g. 仁和诊所</translation>
    </message>
</context>
<context>
    <name>ClinicSettingsTab</name>
    <message>
        <source>Yes</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>No</source>
        <translation>No</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>(empty)</translation>
    </message>
    <message>
        <source>Default: {value}</source>
        <translation>Default: {value}</translation>
    </message>
    <message>
        <source>spec {id}</source>
        <translation>spec {id}</translation>
    </message>
    <message>
        <source>Your role can see these settings but not change them. Ask the clinic director if something should change.</source>
        <translation>Your role can see these settings but not change them. Ask the clinic director if something should change.</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>Revert</translation>
    </message>
    <message>
        <source>Undo the changes not saved yet</source>
        <translation>Undo the changes not saved yet</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Save every changed setting</source>
        <translation>Save every changed setting</translation>
    </message>
    <message>
        <source>Standard values filled in for {group}. Press Save to keep them.</source>
        <translation>Standard values filled in for {group}. Press Save to keep them.</translation>
    </message>
    <message>
        <source>{label}: type a time zone name such as Asia/Shanghai.</source>
        <translation>{label}: type a time zone name such as Asia/Shanghai.</translation>
    </message>
    <message>
        <source>“{first}” must be earlier than “{last}”.</source>
        <translation>“{first}” must be earlier than “{last}”.</translation>
    </message>
    <message>
        <source>There are no changes to save.</source>
        <translation>There are no changes to save.</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>Settings saved.</translation>
    </message>
    <message>
        <source>Settings saved, but this installation has no translation for {language}; the screens stay as they were. Reinstall ClinicDesk to restore it.</source>
        <translation>Settings saved, but this installation has no translation for {language}; the screens stay as they were. Reinstall ClinicDesk to restore it.</translation>
    </message>
</context>
<context>
    <name>CloseTaskDialog</name>
    <message>
        <source>Close the task</source>
        <translation>Close the task</translation>
    </message>
    <message>
        <source>{patient}: {what}. The task leaves the list; it stays in the patient&apos;s history with the reason. If the patient died or wants no more calls, record that in the patient file instead: it ends all their calls and messages.</source>
        <translation>{patient}: {what}. The task leaves the list; it stays in the patient&apos;s history with the reason. If the patient died or wants no more calls, record that in the patient file instead: it ends all their calls and messages.</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>Why</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Note</translation>
    </message>
</context>
<context>
    <name>ClosuresPanel</name>
    <message>
        <source>Year</source>
        <translation>Year</translation>
    </message>
    <message>
        <source>Clinic closed</source>
        <translation>Clinic closed</translation>
    </message>
    <message>
        <source>Days the clinic is closed beyond public holidays, such as staff training or renovation. Booking on them asks for confirmation.</source>
        <translation>Days the clinic is closed beyond public holidays, such as staff training or renovation. Booking on them asks for confirmation.</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Add…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Public holidays</source>
        <translation>Public holidays</translation>
    </message>
    <message>
        <source>Holiday</source>
        <translation>Holiday</translation>
    </message>
    <message>
        <source>mainland China</source>
        <translation>mainland China</translation>
    </message>
    <message>
        <source>Hong Kong</source>
        <translation>Hong Kong</translation>
    </message>
    <message>
        <source>Taiwan</source>
        <translation>Taiwan</translation>
    </message>
    <message>
        <source>none (weekends only)</source>
        <translation>none (weekends only)</translation>
    </message>
    <message>
        <source>For reference: the public holidays of {calendar} in {year}. The calendar marks them as closed. Choose the holiday calendar in Clinic settings.</source>
        <translation>For reference: the public holidays of {calendar} in {year}. The calendar marks them as closed. Choose the holiday calendar in Clinic settings.</translation>
    </message>
    <message>
        <source>Clinic closed on a day</source>
        <translation>Clinic closed on a day</translation>
    </message>
    <message>
        <source>Appointments already booked that day stay; the calendar shows the day as closed and booking on it asks first.</source>
        <translation>Appointments already booked that day stay; the calendar shows the day as closed and booking on it asks first.</translation>
    </message>
    <message>
        <source>Closure added.</source>
        <translation>Closure added.</translation>
    </message>
    <message>
        <source>Choose a closure in the list first.</source>
        <translation>Choose a closure in the list first.</translation>
    </message>
    <message>
        <source>Closure removed.</source>
        <translation>Closure removed.</translation>
    </message>
</context>
<context>
    <name>ColorField</name>
    <message>
        <source>Choose…</source>
        <translation>Choose…</translation>
    </message>
</context>
<context>
    <name>Complaint</name>
    <message>
        <source>In person</source>
        <translation>In person</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>Letter</translation>
    </message>
    <message>
        <source>Website</source>
        <translation>Website</translation>
    </message>
    <message>
        <source>Suggestion box</source>
        <translation>Suggestion box</translation>
    </message>
    <message>
        <source>Follow-up call</source>
        <translation>Follow-up call</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Normal</translation>
    </message>
    <message>
        <source>Serious</source>
        <translation>Serious</translation>
    </message>
    <message>
        <source>Simple issue</source>
        <translation>Simple issue</translation>
    </message>
    <message>
        <source>Complex dispute</source>
        <translation>Complex dispute</translation>
    </message>
    <message>
        <source>Text message</source>
        <translation>Text message</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>WeChat</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>E-mail</translation>
    </message>
</context>
<context>
    <name>ComplaintDialog</name>
    <message>
        <source>Complaint</source>
        <extracomment>the step was saved: its ``Written`` (emitted before the changes are broadcast)</extracomment>
        <translation>Complaint</translation>
    </message>
    <message>
        <source>Complainant</source>
        <translation>Complainant</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Contact</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Staff concerned</source>
        <translation>Staff concerned</translation>
    </message>
    <message>
        <source>The complaint</source>
        <translation>The complaint</translation>
    </message>
    <message>
        <source>Answer and solution</source>
        <translation>Answer and solution</translation>
    </message>
    <message>
        <source>Rectification</source>
        <translation>Rectification</translation>
    </message>
    <message>
        <source>Reply to the complainant</source>
        <translation>Reply to the complainant</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>Accept</translation>
    </message>
    <message>
        <source>You take the complaint on</source>
        <translation>You take the complaint on</translation>
    </message>
    <message>
        <source>Record contact…</source>
        <translation>Record contact…</translation>
    </message>
    <message>
        <source>The first contact with the complainant</source>
        <translation>The first contact with the complainant</translation>
    </message>
    <message>
        <source>Answer…</source>
        <translation>Answer…</translation>
    </message>
    <message>
        <source>What the clinic answers</source>
        <translation>What the clinic answers</translation>
    </message>
    <message>
        <source>Propose solution…</source>
        <translation>Propose solution…</translation>
    </message>
    <message>
        <source>The solution offered</source>
        <translation>The solution offered</translation>
    </message>
    <message>
        <source>Set rectification…</source>
        <translation>Set rectification…</translation>
    </message>
    <message>
        <source>What is to change, who sees to it, by when</source>
        <translation>What is to change, who sees to it, by when</translation>
    </message>
    <message>
        <source>Rectified…</source>
        <translation>Rectified…</translation>
    </message>
    <message>
        <source>The change has been made</source>
        <translation>The change has been made</translation>
    </message>
    <message>
        <source>Reply to the complainant…</source>
        <translation>Reply to the complainant…</translation>
    </message>
    <message>
        <source>When and how the complainant was told</source>
        <translation>When and how the complainant was told</translation>
    </message>
    <message>
        <source>Close…</source>
        <translation>Close…</translation>
    </message>
    <message>
        <source>Close the complaint: the complainant must have had the reply</source>
        <translation>Close the complaint: the complainant must have had the reply</translation>
    </message>
    <message>
        <source>Reopen…</source>
        <translation>Reopen…</translation>
    </message>
    <message>
        <source>Open the closed complaint again, with a reason</source>
        <translation>Open the closed complaint again, with a reason</translation>
    </message>
    <message>
        <source>Hand over…</source>
        <translation>Hand over…</translation>
    </message>
    <message>
        <source>Give the complaint to a colleague</source>
        <translation>Give the complaint to a colleague</translation>
    </message>
    <message>
        <source>Add to training library…</source>
        <translation>Add to training library…</translation>
    </message>
    <message>
        <source>An anonymised case for everyone to learn from</source>
        <translation>An anonymised case for everyone to learn from</translation>
    </message>
    <message>
        <source>Root cause (5 Why)…</source>
        <translation>Root cause (5 Why)…</translation>
    </message>
    <message>
        <source>Ask why, five times</source>
        <translation>Ask why, five times</translation>
    </message>
    <message>
        <source>Add note…</source>
        <translation>Add note…</translation>
    </message>
    <message>
        <source>A note in the history</source>
        <translation>A note in the history</translation>
    </message>
    <message>
        <source>History</source>
        <translation>History</translation>
    </message>
    <message>
        <source>When</source>
        <translation>When</translation>
    </message>
    <message>
        <source>What</source>
        <translation>What</translation>
    </message>
    <message>
        <source>By</source>
        <translation>By</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Complaint {number}</source>
        <translation>Complaint {number}</translation>
    </message>
    <message>
        <source>{number} · {stage} · owner {owner}</source>
        <translation>{number} · {stage} · owner {owner}</translation>
    </message>
    <message>
        <source>Received {time}</source>
        <translation>Received {time}</translation>
    </message>
    <message>
        <source>recorded by {name}</source>
        <translation>recorded by {name}</translation>
    </message>
    <message numerus="yes">
        <source>reopened %n time(s)</source>
        <translation>
            <numerusform>reopened %n time</numerusform>
            <numerusform>reopened %n times</numerusform>
        </translation>
    </message>
    <message>
        <source>The details of this complaint are confidential: only customer service, the director and the complaint&apos;s owner read them.</source>
        <translation>The details of this complaint are confidential: only customer service, the director and the complaint&apos;s owner read them.</translation>
    </message>
    <message>
        <source>Serious: escalated to the director.</source>
        <translation>Serious: escalated to the director.</translation>
    </message>
    <message>
        <source>Closed {time} by {name}. Reopen to change it: every step is locked while it is closed.</source>
        <translation>Closed {time} by {name}. Reopen to change it: every step is locked while it is closed.</translation>
    </message>
    <message>
        <source>Only its owner, customer service and the director work this complaint; you may read it.</source>
        <translation>Only its owner, customer service and the director work this complaint; you may read it.</translation>
    </message>
    <message>
        <source>✓ done {time}</source>
        <translation>✓ done {time}</translation>
    </message>
    <message>
        <source>(late by {time})</source>
        <translation>(late by {time})</translation>
    </message>
    <message>
        <source>not needed</source>
        <translation>not needed</translation>
    </message>
    <message>
        <source>{action} — {owner}, by {due}</source>
        <translation>{action} — {owner}, by {due}</translation>
    </message>
    <message>
        <source>Done {time}: {note}</source>
        <translation>Done {time}: {note}</translation>
    </message>
    <message>
        <source>{time}, by {channel}: {text}</source>
        <translation>{time}, by {channel}: {text}</translation>
    </message>
    <message>
        <source>{old} to {new}</source>
        <translation>{old} to {new}</translation>
    </message>
    <message>
        <source>by {day}</source>
        <translation>by {day}</translation>
    </message>
    <message>
        <source>Accept the complaint</source>
        <translation>Accept the complaint</translation>
    </message>
    <message>
        <source>You take it on: the clock for the first contact keeps running.</source>
        <translation>You take it on: the clock for the first contact keeps running.</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>Note (optional)</translation>
    </message>
    <message>
        <source>Record the first contact</source>
        <translation>Record the first contact</translation>
    </message>
    <message>
        <source>How {who} was reached and what was agreed.</source>
        <translation>How {who} was reached and what was agreed.</translation>
    </message>
    <message>
        <source>the complainant</source>
        <translation>the complainant</translation>
    </message>
    <message>
        <source>What was said</source>
        <translation>What was said</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Answer</translation>
    </message>
    <message>
        <source>The clinic&apos;s answer: what was found and what the clinic says about it.</source>
        <translation>The clinic&apos;s answer: what was found and what the clinic says about it.</translation>
    </message>
    <message>
        <source>Propose a solution</source>
        <translation>Propose a solution</translation>
    </message>
    <message>
        <source>What the clinic offers to put it right.</source>
        <translation>What the clinic offers to put it right.</translation>
    </message>
    <message>
        <source>Solution</source>
        <translation>Solution</translation>
    </message>
    <message>
        <source>Set the rectification</source>
        <translation>Set the rectification</translation>
    </message>
    <message>
        <source>What is to change so it does not happen again, who sees to it and by when (the rectification deadline is the default).</source>
        <translation>What is to change so it does not happen again, who sees to it and by when (the rectification deadline is the default).</translation>
    </message>
    <message>
        <source>What is to change</source>
        <translation>What is to change</translation>
    </message>
    <message>
        <source>Who sees to it</source>
        <translation>Who sees to it</translation>
    </message>
    <message>
        <source>Rectification done</source>
        <translation>Rectification done</translation>
    </message>
    <message>
        <source>What was done</source>
        <translation>What was done</translation>
    </message>
    <message>
        <source>When and how the complainant was told the outcome, and what they were told.</source>
        <translation>When and how the complainant was told the outcome, and what they were told.</translation>
    </message>
    <message>
        <source>How</source>
        <translation>How</translation>
    </message>
    <message>
        <source>What they were told</source>
        <translation>What they were told</translation>
    </message>
    <message>
        <source>Close the complaint</source>
        <translation>Close the complaint</translation>
    </message>
    <message>
        <source>Closing needs the reply to the complainant, and the rectification done if one was set. An anonymous note no one can be told about closes with a note.</source>
        <translation>Closing needs the reply to the complainant, and the rectification done if one was set. An anonymous note no one can be told about closes with a note.</translation>
    </message>
    <message>
        <source>Reopen the complaint</source>
        <translation>Reopen the complaint</translation>
    </message>
    <message>
        <source>Say why it is opened again: the reason stays in its history.</source>
        <translation>Say why it is opened again: the reason stays in its history.</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Hand the complaint over</source>
        <translation>Hand the complaint over</translation>
    </message>
    <message>
        <source>The colleague owns it from now on; the hand-over stays in its history.</source>
        <translation>The colleague owns it from now on; the hand-over stays in its history.</translation>
    </message>
    <message>
        <source>To</source>
        <translation>To</translation>
    </message>
    <message>
        <source>{channel} complaint, {department}</source>
        <translation>{channel} complaint, {department}</translation>
    </message>
    <message>
        <source>Add to the training library</source>
        <translation>Add to the training library</translation>
    </message>
    <message>
        <source>Cases are anonymised: write the summary in your own words, without the names of patients, complainants or staff, phone numbers or ID numbers.</source>
        <translation>Cases are anonymised: write the summary in your own words, without the names of patients, complainants or staff, phone numbers or ID numbers.</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Title</translation>
    </message>
    <message>
        <source>What happened</source>
        <translation>What happened</translation>
    </message>
    <message>
        <source>In general terms: no names, no phone or ID numbers.</source>
        <translation>In general terms: no names, no phone or ID numbers.</translation>
    </message>
    <message>
        <source>Lessons</source>
        <translation>Lessons</translation>
    </message>
    <message>
        <source>Add a note</source>
        <translation>Add a note</translation>
    </message>
    <message>
        <source>A note in the history.</source>
        <translation>A note in the history.</translation>
    </message>
</context>
<context>
    <name>ComplaintEvent</name>
    <message>
        <source>Received</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>Accepted</translation>
    </message>
    <message>
        <source>Complainant contacted</source>
        <translation>Complainant contacted</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>Answered</translation>
    </message>
    <message>
        <source>Solution proposed</source>
        <translation>Solution proposed</translation>
    </message>
    <message>
        <source>Handed over</source>
        <translation>Handed over</translation>
    </message>
    <message>
        <source>Escalated to the director</source>
        <translation>Escalated to the director</translation>
    </message>
    <message>
        <source>Seen by the director</source>
        <translation>Seen by the director</translation>
    </message>
    <message>
        <source>Rectification set</source>
        <translation>Rectification set</translation>
    </message>
    <message>
        <source>Rectification done</source>
        <translation>Rectification done</translation>
    </message>
    <message>
        <source>Reply to the complainant</source>
        <translation>Reply to the complainant</translation>
    </message>
    <message>
        <source>Training case made</source>
        <translation>Training case made</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>Reopened</source>
        <translation>Reopened</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Note</translation>
    </message>
</context>
<context>
    <name>ComplaintStage</name>
    <message>
        <source>Received</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>Accepted</translation>
    </message>
    <message>
        <source>Contacted</source>
        <translation>Contacted</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>Answered</translation>
    </message>
    <message>
        <source>Rectifying</source>
        <translation>Rectifying</translation>
    </message>
    <message>
        <source>Replied</source>
        <translation>Replied</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Closed</translation>
    </message>
</context>
<context>
    <name>ComplaintStep</name>
    <message>
        <source>Accept</source>
        <translation>Accept</translation>
    </message>
    <message>
        <source>Contact the complainant</source>
        <translation>Contact the complainant</translation>
    </message>
    <message>
        <source>Answer (simple issue)</source>
        <translation>Answer (simple issue)</translation>
    </message>
    <message>
        <source>Propose a solution</source>
        <translation>Propose a solution</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Rectify</source>
        <translation>Rectify</translation>
    </message>
    <message>
        <source>Answer (complex dispute)</source>
        <translation>Answer (complex dispute)</translation>
    </message>
</context>
<context>
    <name>Complaints</name>
    <message>
        <source>%n day(s)</source>
        <translation>%n day(s)</translation>
    </message>
    <message>
        <source>{h} h</source>
        <translation>{h} h</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} h {m} min</translation>
    </message>
    <message>
        <source>{m} min</source>
        <translation>{m} min</translation>
    </message>
    <message>
        <source>overdue by {time}</source>
        <translation>overdue by {time}</translation>
    </message>
    <message>
        <source>{time} left</source>
        <translation>{time} left</translation>
    </message>
    <message>
        <source>{day} end of day</source>
        <translation>{day} end of day</translation>
    </message>
    <message>
        <source>{step}: {due} ({left})</source>
        <translation>{step}: {due} ({left})</translation>
    </message>
</context>
<context>
    <name>ComplaintsPanel</name>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>All</source>
        <translation>All</translation>
    </message>
    <message>
        <source>Mine</source>
        <translation>Mine</translation>
    </message>
    <message>
        <source>Only the complaints you own</source>
        <translation>Only the complaints you own</translation>
    </message>
    <message>
        <source>Overdue only</source>
        <translation>Overdue only</translation>
    </message>
    <message>
        <source>Received from</source>
        <translation>Received from</translation>
    </message>
    <message>
        <source>to</source>
        <translation>to</translation>
    </message>
    <message>
        <source>Search: number, complainant, words in it…</source>
        <translation>Search: number, complainant, words in it…</translation>
    </message>
    <message>
        <source>Record a complaint…</source>
        <translation>Record a complaint…</translation>
    </message>
    <message>
        <source>Whoever receives a complaint records it and owns it (Ctrl+N)</source>
        <translation>Whoever receives a complaint records it and owns it (Ctrl+N)</translation>
    </message>
    <message>
        <source>Open suggestion box…</source>
        <translation>Open suggestion box…</translation>
    </message>
    <message>
        <source>Enter the week&apos;s notes from the box, all at once</source>
        <translation>Enter the week&apos;s notes from the box, all at once</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>Open…</translation>
    </message>
    <message>
        <source>Open the selected complaint (Enter)</source>
        <translation>Open the selected complaint (Enter)</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>Number</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Severity</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>Stage</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Next deadline</source>
        <translation>Next deadline</translation>
    </message>
    <message>
        <source>Complainant and gist</source>
        <translation>Complainant and gist</translation>
    </message>
    <message>
        <source>Confidential</source>
        <translation>Confidential</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>No complaint matches.</source>
        <translation>No complaint matches.</translation>
    </message>
    <message numerus="yes">
        <source>%n complaint(s)</source>
        <translation>
            <numerusform>%n complaint</numerusform>
            <numerusform>%n complaints</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n overdue</source>
        <translation>
            <numerusform>%n overdue</numerusform>
            <numerusform>%n overdue</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ConflictsDialog</name>
    <message>
        <source>Sync conflicts</source>
        <translation>Sync conflicts</translation>
    </message>
    <message>
        <source>Two workstations changed the same thing without seeing each other&apos;s change. The later change is in the record now; the earlier value is kept here. Keep the record as it is, or restore the lost value (every workstation gets it).</source>
        <translation>Two workstations changed the same thing without seeing each other&apos;s change. The later change is in the record now; the earlier value is kept here. Keep the record as it is, or restore the lost value (every workstation gets it).</translation>
    </message>
    <message>
        <source>There are no open conflicts.</source>
        <translation>There are no open conflicts.</translation>
    </message>
    <message>
        <source>What</source>
        <translation>What</translation>
    </message>
    <message>
        <source>In the record now</source>
        <translation>In the record now</translation>
    </message>
    <message>
        <source>Lost value</source>
        <translation>Lost value</translation>
    </message>
    <message>
        <source>Lost change made</source>
        <translation>Lost change made</translation>
    </message>
    <message>
        <source>Kept change made</source>
        <translation>Kept change made</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Allergy</source>
        <translation>Allergy</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>Medication</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>Condition</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>Visit</translation>
    </message>
    <message>
        <source>Vital signs</source>
        <translation>Vital signs</translation>
    </message>
    <message>
        <source>Prescription</source>
        <translation>Prescription</translation>
    </message>
    <message>
        <source>Prescription line</source>
        <translation>Prescription line</translation>
    </message>
    <message>
        <source>Referral</source>
        <translation>Referral</translation>
    </message>
    <message>
        <source>Appointment</source>
        <translation>Appointment</translation>
    </message>
    <message>
        <source>Appointment type</source>
        <translation>Appointment type</translation>
    </message>
    <message>
        <source>Waiting list</source>
        <translation>Waiting list</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Queue</translation>
    </message>
    <message>
        <source>Staff member</source>
        <translation>Staff member</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>Setting</translation>
    </message>
    <message>
        <source>Roster</source>
        <translation>Roster</translation>
    </message>
    <message>
        <source>Roster change</source>
        <translation>Roster change</translation>
    </message>
    <message>
        <source>Room or device</source>
        <translation>Room or device</translation>
    </message>
    <message>
        <source>Doctor&apos;s profile</source>
        <translation>Doctor&apos;s profile</translation>
    </message>
    <message>
        <source>Clinic closure</source>
        <translation>Clinic closure</translation>
    </message>
    <message>
        <source>phone</source>
        <translation>phone</translation>
    </message>
    <message>
        <source>family name</source>
        <translation>family name</translation>
    </message>
    <message>
        <source>given name</source>
        <translation>given name</translation>
    </message>
    <message>
        <source>date of birth</source>
        <translation>date of birth</translation>
    </message>
    <message>
        <source>sex</source>
        <translation>sex</translation>
    </message>
    <message>
        <source>address</source>
        <translation>address</translation>
    </message>
    <message>
        <source>notes for the desk</source>
        <translation>notes for the desk</translation>
    </message>
    <message>
        <source>notes</source>
        <translation>notes</translation>
    </message>
    <message>
        <source>occupation</source>
        <translation>occupation</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>record number</source>
        <translation>record number</translation>
    </message>
    <message>
        <source>status</source>
        <translation>status</translation>
    </message>
    <message>
        <source>start time</source>
        <translation>start time</translation>
    </message>
    <message>
        <source>end time</source>
        <translation>end time</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>doctor</translation>
    </message>
    <message>
        <source>patient</source>
        <translation>patient</translation>
    </message>
    <message>
        <source>user name</source>
        <translation>user name</translation>
    </message>
    <message>
        <source>name</source>
        <translation>name</translation>
    </message>
    <message>
        <source>role</source>
        <translation>role</translation>
    </message>
    <message>
        <source>value</source>
        <translation>value</translation>
    </message>
    <message>
        <source>removed</source>
        <translation>removed</translation>
    </message>
    <message>
        <source>substance</source>
        <translation>substance</translation>
    </message>
    <message>
        <source>severity</source>
        <translation>severity</translation>
    </message>
    <message>
        <source>reaction</source>
        <translation>reaction</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>(empty)</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>no</source>
        <translation>no</translation>
    </message>
    <message>
        <source>record #{short}</source>
        <translation>record #{short}</translation>
    </message>
    <message>
        <source>workstation {id}</source>
        <translation>workstation {id}</translation>
    </message>
    <message>
        <source>{time} at {workstation}</source>
        <translation>{time} at {workstation}</translation>
    </message>
    <message>
        <source>Workstation names could not be read from the hub: {reason}</source>
        <translation>Workstation names could not be read from the hub: {reason}</translation>
    </message>
    <message>
        <source>renamed to {value}</source>
        <translation>renamed to {value}</translation>
    </message>
    <message>
        <source>Two records had the same {field}; the later one was renamed so both stay.</source>
        <translation>Two records had the same {field}; the later one was renamed so both stay.</translation>
    </message>
    <message>
        <source>Keep</source>
        <translation>Keep</translation>
    </message>
    <message>
        <source>The record stays as it is; this item is closed.</source>
        <translation>The record stays as it is; this item is closed.</translation>
    </message>
    <message>
        <source>Restore lost value</source>
        <translation>Restore lost value</translation>
    </message>
    <message>
        <source>Not possible here: change the record itself.</source>
        <translation>Not possible here: change the record itself.</translation>
    </message>
    <message>
        <source>Write the lost value back into the record, on every workstation.</source>
        <translation>Write the lost value back into the record, on every workstation.</translation>
    </message>
</context>
<context>
    <name>ContactsTab</name>
    <message>
        <source>Log a contact…</source>
        <translation>Log a contact…</translation>
    </message>
    <message>
        <source>When</source>
        <translation>When</translation>
    </message>
    <message>
        <source>How</source>
        <translation>How</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>Direction</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>Summary</translation>
    </message>
    <message>
        <source>In person</source>
        <translation>In person</translation>
    </message>
    <message>
        <source>Patient to us</source>
        <translation>Patient to us</translation>
    </message>
    <message>
        <source>Us to patient</source>
        <translation>Us to patient</translation>
    </message>
    <message>
        <source>Log a contact</source>
        <translation>Log a contact</translation>
    </message>
    <message>
        <source>What was said or agreed</source>
        <translation>What was said or agreed</translation>
    </message>
</context>
<context>
    <name>CreatePage</name>
    <message>
        <source>Creating the clinic&apos;s encrypted data. This takes a few seconds…</source>
        <translation>Creating the clinic&apos;s encrypted data. This takes a few seconds…</translation>
    </message>
    <message>
        <source>The clinic could not be created. Nothing was changed on this computer. Fix the problem below, or go back and change what you typed, then try again.</source>
        <translation>The clinic could not be created. Nothing was changed on this computer. Fix the problem below, or go back and change what you typed, then try again.</translation>
    </message>
    <message>
        <source>The clinic is ready.</source>
        <translation>The clinic is ready.</translation>
    </message>
    <message>
        <source>Stopping… the copy made so far is being deleted.</source>
        <translation>Stopping… the copy made so far is being deleted.</translation>
    </message>
    <message>
        <source>Copying the clinic&apos;s saved copy from the hub…</source>
        <translation>Copying the clinic&apos;s saved copy from the hub…</translation>
    </message>
    <message>
        <source>Copying the clinic&apos;s data from the hub… {percent}% done</source>
        <translation>Copying the clinic&apos;s data from the hub… {percent}% done</translation>
    </message>
    <message>
        <source>Preparing the patient search…</source>
        <translation>Preparing the patient search…</translation>
    </message>
    <message>
        <source>Checking the director&apos;s sign-in…</source>
        <translation>Checking the director&apos;s sign-in…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>Done.</translation>
    </message>
    <message>
        <source>Checking the pairing code with the hub…</source>
        <translation>Checking the pairing code with the hub…</translation>
    </message>
    <message>
        <source>Joining the clinic: checking the pairing code and copying the clinic&apos;s data from the hub. A small clinic takes a minute; one with years of records can take ten minutes or more. Keep this window open.</source>
        <translation>Joining the clinic: checking the pairing code and copying the clinic&apos;s data from the hub. A small clinic takes a minute; one with years of records can take ten minutes or more. Keep this window open.</translation>
    </message>
    <message>
        <source>Joining was stopped. Nothing was set up on this computer. The pairing code has been used: to try again, make a new one on a workstation that already syncs (Settings → Sync → “Add a workstation…”), go back and type it.</source>
        <translation>Joining was stopped. Nothing was set up on this computer. The pairing code has been used: to try again, make a new one on a workstation that already syncs (Settings → Sync → “Add a workstation…”), go back and type it.</translation>
    </message>
    <message>
        <source>This computer could not join the clinic. Nothing was set up on this computer. Fix the problem below, or go back and change what you typed, then try again.</source>
        <translation>This computer could not join the clinic. Nothing was set up on this computer. Fix the problem below, or go back and change what you typed, then try again.</translation>
    </message>
    <message>
        <source>This computer has joined the clinic.</source>
        <translation>This computer has joined the clinic.</translation>
    </message>
    <message>
        <source>Joining the clinic</source>
        <translation>Joining the clinic</translation>
    </message>
    <message>
        <source>Creating the clinic</source>
        <translation>Creating the clinic</translation>
    </message>
    <message>
        <source>The clinic&apos;s data is kept in this folder: {path}</source>
        <translation>The clinic&apos;s data is kept in this folder: {path}</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Try again</translation>
    </message>
    <message>
        <source>Stop joining</source>
        <translation>Stop joining</translation>
    </message>
</context>
<context>
    <name>Dashboard</name>
    <message>
        <source>{n} of {d} answers satisfied (4 or 5)</source>
        <translation>{n} of {d} answers satisfied (4 or 5)</translation>
    </message>
    <message>
        <source>{n} of {d} complaints closed</source>
        <translation>{n} of {d} complaints closed</translation>
    </message>
    <message>
        <source>{n} of {d} closed on time</source>
        <translation>{n} of {d} closed on time</translation>
    </message>
    <message>
        <source>{n} no-shows of {d} appointments due</source>
        <translation>{n} no-shows of {d} appointments due</translation>
    </message>
    <message>
        <source>over {d} waits</source>
        <translation>over {d} waits</translation>
    </message>
    <message>
        <source>{n} of {d} waits</source>
        <translation>{n} of {d} waits</translation>
    </message>
    <message>
        <source>{n} of {d} follow-ups done</source>
        <translation>{n} of {d} follow-ups done</translation>
    </message>
    <message>
        <source>{n} of {d} visits rebooked</source>
        <translation>{n} of {d} visits rebooked</translation>
    </message>
    <message>
        <source>{n} of {d} check-ins booked ahead</source>
        <translation>{n} of {d} check-ins booked ahead</translation>
    </message>
    <message>
        <source>{n} of {d} prescriptions cancelled</source>
        <translation>{n} of {d} prescriptions cancelled</translation>
    </message>
    <message>
        <source>{n} of {d}</source>
        <translation>{n} of {d}</translation>
    </message>
    <message>
        <source>No target</source>
        <translation>No target</translation>
    </message>
    <message>
        <source>Target ≥ {value}</source>
        <translation>Target ≥ {value}</translation>
    </message>
    <message>
        <source>Target ≤ {value}</source>
        <translation>Target ≤ {value}</translation>
    </message>
    <message>
        <source>No data in this period</source>
        <translation>No data in this period</translation>
    </message>
</context>
<context>
    <name>DashboardPanel</name>
    <message>
        <source>Period</source>
        <extracomment>asks the page to show another tab: &quot;complaints&quot; or &quot;selfcheck&quot;</extracomment>
        <translation>Period</translation>
    </message>
    <message>
        <source>This week</source>
        <translation>This week</translation>
    </message>
    <message>
        <source>This month</source>
        <translation>This month</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>Last month</translation>
    </message>
    <message>
        <source>This quarter</source>
        <translation>This quarter</translation>
    </message>
    <message>
        <source>This year</source>
        <translation>This year</translation>
    </message>
    <message>
        <source>Dates</source>
        <translation>Dates</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>All doctors</source>
        <translation>All doctors</translation>
    </message>
    <message>
        <source>Click a figure to see its trend by week and by month. Green: the target is met; red: it is not; grey: nothing was counted. The dashed line is the target (Settings, Quality).</source>
        <translation>Click a figure to see its trend by week and by month. Green: the target is met; red: it is not; grey: nothing was counted. The dashed line is the target (Settings, Quality).</translation>
    </message>
    <message>
        <source>the clinic</source>
        <translation>the clinic</translation>
    </message>
    <message>
        <source>Nothing was recorded for {who} from {first} to {last}: no visits, appointments, calls, complaints or survey answers. Choose another period.</source>
        <translation>Nothing was recorded for {who} from {first} to {last}: no visits, appointments, calls, complaints or survey answers. Choose another period.</translation>
    </message>
    <message>
        <source>Open complaints: {n}</source>
        <translation>Open complaints: {n}</translation>
    </message>
    <message>
        <source>Overdue: {n}</source>
        <translation>Overdue: {n}</translation>
    </message>
    <message>
        <source>Escalations not seen: {n}</source>
        <translation>Escalations not seen: {n}</translation>
    </message>
    <message>
        <source>Missing self-checks: {n}</source>
        <translation>Missing self-checks: {n}</translation>
    </message>
    <message>
        <source>Show the complaints</source>
        <translation>Show the complaints</translation>
    </message>
    <message>
        <source>Show the self-checks</source>
        <translation>Show the self-checks</translation>
    </message>
    <message>
        <source>{metric} by week</source>
        <translation>{metric} by week</translation>
    </message>
    <message>
        <source>{metric} by month</source>
        <translation>{metric} by month</translation>
    </message>
</context>
<context>
    <name>DayEndDialog</name>
    <message>
        <source>Day&apos;s end</source>
        <extracomment>statuses from which a patient can be recorded as gone without being seen</extracomment>
        <translation>Day&apos;s end</translation>
    </message>
    <message>
        <source>Day&apos;s end: who is still here</source>
        <translation>Day&apos;s end: who is still here</translation>
    </message>
    <message>
        <source>Day:</source>
        <translation>Day:</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Since</translation>
    </message>
    <message>
        <source>What happened</source>
        <translation>What happened</translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) still waiting</source>
        <translation>
            <numerusform>%n patient still waiting</numerusform>
            <numerusform>%n patients still waiting</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n still in consultation</source>
        <translation>
            <numerusform>%n still in consultation</numerusform>
            <numerusform>%n still in consultation</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n booking(s) marked as no-show</source>
        <translation>
            <numerusform>%n booking marked as no-show</numerusform>
            <numerusform>%n bookings marked as no-show</numerusform>
        </translation>
    </message>
    <message>
        <source>Everyone has been seen: nothing is left open for this day.</source>
        <translation>Everyone has been seen: nothing is left open for this day.</translation>
    </message>
    <message>
        <source>Left without being seen</source>
        <translation>Left without being seen</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Finish</translation>
    </message>
</context>
<context>
    <name>DayListPrint</name>
    <message>
        <source>Next day&apos;s appointments: {day}</source>
        <translation>Next day&apos;s appointments: {day}</translation>
    </message>
    <message>
        <source>Appointments: {day}</source>
        <translation>Appointments: {day}</translation>
    </message>
    <message>
        <source>Day sheet for {doctor}: {day}</source>
        <translation>Day sheet for {doctor}: {day}</translation>
    </message>
    <message>
        <source>{weekday} {year}-{month:02d}-{day:02d}</source>
        <translation>{weekday} {year}-{month:02d}-{day:02d}</translation>
    </message>
    <message>
        <source>Printed {time}</source>
        <translation>Printed {time}</translation>
    </message>
    <message>
        <source>Appointments: {n}</source>
        <translation>Appointments: {n}</translation>
    </message>
    <message>
        <source>Add-ons: {n}</source>
        <translation>Add-ons: {n}</translation>
    </message>
    <message>
        <source>Printed before {time}: appointments booked after this are not on the list.</source>
        <translation>Printed before {time}: appointments booked after this are not on the list.</translation>
    </message>
    <message>
        <source>Page {n} / {total}</source>
        <translation>Page {n} / {total}</translation>
    </message>
    <message>
        <source>{name} (continued)</source>
        <translation>{name} (continued)</translation>
    </message>
    <message>
        <source>(continued)</source>
        <translation>(continued)</translation>
    </message>
    <message>
        <source>No appointments.</source>
        <translation>No appointments.</translation>
    </message>
    <message>
        <source>Away this day: move these appointments or ask a colleague to see them.</source>
        <translation>Away this day: move these appointments or ask a colleague to see them.</translation>
    </message>
    <message>
        <source>Away this day: {name} sees these patients.</source>
        <translation>Away this day: {name} sees these patients.</translation>
    </message>
    <message>
        <source>Away this day: a substitute doctor sees these patients.</source>
        <translation>Away this day: a substitute doctor sees these patients.</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>Record no.</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Type / purpose</source>
        <translation>Type / purpose</translation>
    </message>
    <message>
        <source>Flags</source>
        <translation>Flags</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>Doctor&apos;s notes</source>
        <translation>Doctor&apos;s notes</translation>
    </message>
    <message>
        <source>First visit</source>
        <translation>First visit</translation>
    </message>
    <message>
        <source>Add-on</source>
        <translation>Add-on</translation>
    </message>
    <message>
        <source>Holiday</source>
        <translation>Holiday</translation>
    </message>
    <message>
        <source>Elderly</source>
        <translation>Elderly</translation>
    </message>
    <message>
        <source>Child</source>
        <translation>Child</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Disabled</translation>
    </message>
    <message>
        <source>Accompanied</source>
        <translation>Accompanied</translation>
    </message>
    <message>
        <source>Next day&apos;s appointment list</source>
        <translation>Next day&apos;s appointment list</translation>
    </message>
    <message>
        <source>Doctor&apos;s day sheet</source>
        <translation>Doctor&apos;s day sheet</translation>
    </message>
    <message>
        <source>Print list</source>
        <translation>Print list</translation>
    </message>
    <message>
        <source>Print the appointment list for the triage nurse or a doctor</source>
        <translation>Print the appointment list for the triage nurse or a doctor</translation>
    </message>
    <message>
        <source>Next day&apos;s list for the triage nurse</source>
        <translation>Next day&apos;s list for the triage nurse</translation>
    </message>
    <message>
        <source>Appointment list for the day shown</source>
        <translation>Appointment list for the day shown</translation>
    </message>
    <message>
        <source>Day sheet for the doctor shown</source>
        <translation>Day sheet for the doctor shown</translation>
    </message>
</context>
<context>
    <name>DeathDialog</name>
    <message>
        <source>Record death</source>
        <translation>Record death</translation>
    </message>
    <message>
        <source>No more calls or messages go to this patient. {what}</source>
        <translation>No more calls or messages go to this patient. {what}</translation>
    </message>
    <message>
        <source>Date of death</source>
        <translation>Date of death</translation>
    </message>
    <message>
        <source>Note (how the clinic learned of it)</source>
        <translation>Note (how the clinic learned of it)</translation>
    </message>
    <message>
        <source>Record the death?</source>
        <translation>Record the death?</translation>
    </message>
</context>
<context>
    <name>DirectorPage</name>
    <message>
        <source>The two passwords are not the same. Type the same password twice.</source>
        <translation>The two passwords are not the same. Type the same password twice.</translation>
    </message>
    <message>
        <source>The director&apos;s account</source>
        <translation>The director&apos;s account</translation>
    </message>
    <message>
        <source>The director manages the clinic in ClinicDesk: staff accounts, settings and keys. Everyone signs in with their own user name; the director adds the other staff later.</source>
        <translation>The director manages the clinic in ClinicDesk: staff accounts, settings and keys. Everyone signs in with their own user name; the director adds the other staff later.</translation>
    </message>
    <message>
        <source>Director&apos;s name</source>
        <translation>Director&apos;s name</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>Password again</translation>
    </message>
    <message>
        <source>e.g. 王丽</source>
        <translation>e.g. 王丽</translation>
    </message>
    <message>
        <source>e.g. wang.li (letters a-z and digits)</source>
        <translation>e.g. wang.li (letters a-z and digits)</translation>
    </message>
</context>
<context>
    <name>DoctorQueuePage</name>
    <message>
        <source>Doctor:</source>
        <extracomment>a consultation started: the patient&apos;s file was opened (patient id) show something on another page (feature key, target): the open file&apos;s &quot;Open in Membership&quot; (the main window connects every page&apos;s signal)</extracomment>
        <translation>Doctor:</translation>
    </message>
    <message>
        <source>Waiting-room display</source>
        <translation>Waiting-room display</translation>
    </message>
    <message>
        <source>Show the called numbers on a second screen in the waiting room (names masked)</source>
        <translation>Show the called numbers on a second screen in the waiting room (names masked)</translation>
    </message>
    <message>
        <source>Call next</source>
        <translation>Call next</translation>
    </message>
    <message>
        <source>Call the next patient: green channel first, then by number (F5 or Ctrl+N)</source>
        <translation>Call the next patient: green channel first, then by number (F5 or Ctrl+N)</translation>
    </message>
    <message>
        <source>Call again</source>
        <translation>Call again</translation>
    </message>
    <message>
        <source>Call the chosen number once more</source>
        <translation>Call the chosen number once more</translation>
    </message>
    <message>
        <source>Start consultation</source>
        <translation>Start consultation</translation>
    </message>
    <message>
        <source>Start with the chosen patient and open their file (Enter)</source>
        <translation>Start with the chosen patient and open their file (Enter)</translation>
    </message>
    <message>
        <source>Finish…</source>
        <translation>Finish…</translation>
    </message>
    <message>
        <source>Finish the consultation and choose the kind of visit (Ctrl+Enter)</source>
        <translation>Finish the consultation and choose the kind of visit (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Send back to the desk…</source>
        <translation>Send back to the desk…</translation>
    </message>
    <message>
        <source>For payment, an examination or medicine; the patient keeps the number</source>
        <translation>For payment, an examination or medicine; the patient keeps the number</translation>
    </message>
    <message>
        <source>Back in the queue</source>
        <translation>Back in the queue</translation>
    </message>
    <message>
        <source>The patient is back from the desk and waits again with the same number</source>
        <translation>The patient is back from the desk and waits again with the same number</translation>
    </message>
    <message>
        <source>Close the file</source>
        <translation>Close the file</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>Needs</translation>
    </message>
    <message>
        <source>Green channel</source>
        <translation>Green channel</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>Booked</translation>
    </message>
    <message>
        <source>Nobody is in your queue yet. Patients appear here as soon as the desk checks them in.</source>
        <translation>Nobody is in your queue yet. Patients appear here as soon as the desk checks them in.</translation>
    </message>
    <message>
        <source>My queue</source>
        <translation>My queue</translation>
    </message>
    <message>
        <source>Queue of {doctor}</source>
        <translation>Queue of {doctor}</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Queue</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes} min</translation>
    </message>
    <message>
        <source>Walk-in</source>
        <translation>Walk-in</translation>
    </message>
    <message>
        <source>Green channel: {reason}</source>
        <translation>Green channel: {reason}</translation>
    </message>
    <message>
        <source>Waiting longer than the clinic&apos;s limit</source>
        <translation>Waiting longer than the clinic&apos;s limit</translation>
    </message>
    <message>
        <source>In consultation: No. {number} {patient} since {time}</source>
        <translation>In consultation: No. {number} {patient} since {time}</translation>
    </message>
    <message>
        <source>Called: No. {number} {patient} at {time}</source>
        <translation>Called: No. {number} {patient} at {time}</translation>
    </message>
    <message numerus="yes">
        <source>%n waiting</source>
        <translation>
            <numerusform>%n waiting</numerusform>
            <numerusform>%n waiting</numerusform>
        </translation>
    </message>
    <message>
        <source>Nobody is waiting for you right now. Take a breath; new patients appear here as soon as the desk checks them in.</source>
        <translation>Nobody is waiting for you right now. Take a breath; new patients appear here as soon as the desk checks them in.</translation>
    </message>
    <message>
        <source>No. {number} has been called.</source>
        <translation>No. {number} has been called.</translation>
    </message>
    <message>
        <source>No. {number}</source>
        <translation>No. {number}</translation>
    </message>
</context>
<context>
    <name>DoctorsPanel</name>
    <message>
        <source>Doctors and health managers</source>
        <translation>Doctors and health managers</translation>
    </message>
    <message>
        <source>Add doctors on the Staff tab with the role Doctor or Health manager.</source>
        <translation>Add doctors on the Staff tab with the role Doctor or Health manager.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Specialties</source>
        <translation>Specialties</translation>
    </message>
    <message>
        <source>Bookable</source>
        <translation>Bookable</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>Profile</translation>
    </message>
    <message>
        <source>e.g. 内科, 糖尿病管理</source>
        <translation>e.g. 内科, 糖尿病管理</translation>
    </message>
    <message>
        <source>Said to callers</source>
        <translation>Said to callers</translation>
    </message>
    <message>
        <source>What the desk reads to a caller who asks about this doctor</source>
        <translation>What the desk reads to a caller who asks about this doctor</translation>
    </message>
    <message>
        <source>Calendar colour</source>
        <translation>Calendar colour</translation>
    </message>
    <message>
        <source>Takes appointments (shown as a calendar column)</source>
        <translation>Takes appointments (shown as a calendar column)</translation>
    </message>
    <message>
        <source>Save profile</source>
        <translation>Save profile</translation>
    </message>
    <message>
        <source>Weekly hours</source>
        <translation>Weekly hours</translation>
    </message>
    <message>
        <source>Type each day&apos;s working hours and breaks as start-end, separated by commas. Leave a day empty when the doctor does not work. Public holidays and closures are marked on the calendar separately.</source>
        <translation>Type each day&apos;s working hours and breaks as start-end, separated by commas. Leave a day empty when the doctor does not work. Public holidays and closures are marked on the calendar separately.</translation>
    </message>
    <message>
        <source>Only the director changes rosters; you can read them here.</source>
        <translation>Only the director changes rosters; you can read them here.</translation>
    </message>
    <message>
        <source>Undo changes</source>
        <translation>Undo changes</translation>
    </message>
    <message>
        <source>Save roster</source>
        <translation>Save roster</translation>
    </message>
    <message>
        <source>Days off and extra hours, next {n} days</source>
        <translation>Days off and extra hours, next {n} days</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Change</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>Hours</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Add…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>{name} (account disabled)</source>
        <translation>{name} (account disabled)</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>No</source>
        <translation>No</translation>
    </message>
    <message>
        <source>Choose a doctor on the left.</source>
        <translation>Choose a doctor on the left.</translation>
    </message>
    <message>
        <source>There are no doctors or health managers yet.</source>
        <translation>There are no doctors or health managers yet.</translation>
    </message>
    <message>
        <source>These hours end on {day}; other hours follow from the next day.</source>
        <translation>These hours end on {day}; other hours follow from the next day.</translation>
    </message>
    <message>
        <source>Day off</source>
        <translation>Day off</translation>
    </message>
    <message>
        <source>Extra hours</source>
        <translation>Extra hours</translation>
    </message>
    <message>
        <source>Absent</source>
        <translation>Absent</translation>
    </message>
    <message>
        <source>Absent, substituted</source>
        <translation>Absent, substituted</translation>
    </message>
    <message>
        <source>Profile saved.</source>
        <translation>Profile saved.</translation>
    </message>
    <message>
        <source>Weekly hours of {name} saved.</source>
        <translation>Weekly hours of {name} saved.</translation>
    </message>
    <message>
        <source>Change added.</source>
        <translation>Change added.</translation>
    </message>
    <message>
        <source>Choose a change in the list first.</source>
        <translation>Choose a change in the list first.</translation>
    </message>
    <message>
        <source>Change removed.</source>
        <translation>Change removed.</translation>
    </message>
</context>
<context>
    <name>DrugWarning</name>
    <message>
        <source>Major</source>
        <translation>Major</translation>
    </message>
    <message>
        <source>Moderate</source>
        <translation>Moderate</translation>
    </message>
    <message>
        <source>Minor</source>
        <translation>Minor</translation>
    </message>
    <message>
        <source>Allergy</source>
        <translation>Allergy</translation>
    </message>
    <message>
        <source>Interaction</source>
        <translation>Interaction</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>Duplicate</translation>
    </message>
</context>
<context>
    <name>EnrolDialog</name>
    <message>
        <source>Enrol in a membership</source>
        <translation>Enrol in a membership</translation>
    </message>
    <message>
        <source>Choose the tier, find the person who pays, and for a family tier add the others. The card number is given when you save.</source>
        <translation>Choose the tier, find the person who pays, and for a family tier add the others. The card number is given when you save.</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>Tier</translation>
    </message>
    <message>
        <source>Payer</source>
        <translation>Payer</translation>
    </message>
    <message>
        <source>Find the payer: name, phone digits…</source>
        <translation>Find the payer: name, phone digits…</translation>
    </message>
    <message>
        <source>Choose someone else</source>
        <translation>Choose someone else</translation>
    </message>
    <message>
        <source>Family members</source>
        <translation>Family members</translation>
    </message>
    <message>
        <source>Add a family member: name, phone digits…</source>
        <translation>Add a family member: name, phone digits…</translation>
    </message>
    <message>
        <source>Starts on</source>
        <translation>Starts on</translation>
    </message>
    <message>
        <source>Periods</source>
        <translation>Periods</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>Payment</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>No tier is offered. The director sets them up.</source>
        <translation>No tier is offered. The director sets them up.</translation>
    </message>
    <message numerus="yes">
        <source>Up to %n people, the payer included.</source>
        <translation>
            <numerusform>Up to %n people, the payer included.</numerusform>
            <numerusform>Up to %n people, the payer included.</numerusform>
        </translation>
    </message>
    <message>
        <source>ends on {day}</source>
        <translation>ends on {day}</translation>
    </message>
    <message>
        <source>{name} is already on this membership.</source>
        <translation>{name} is already on this membership.</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Choose a tier.</source>
        <translation>Choose a tier.</translation>
    </message>
    <message>
        <source>Find and choose the person who pays.</source>
        <translation>Find and choose the person who pays.</translation>
    </message>
</context>
<context>
    <name>EnterFormDialog</name>
    <message>
        <source>Enter a returned form</source>
        <translation>Enter a returned form</translation>
    </message>
    <message>
        <source>e.g. 3F2A-9C1B; empty if the form has none</source>
        <translation>e.g. 3F2A-9C1B; empty if the form has none</translation>
    </message>
    <message>
        <source>Questionnaire</source>
        <translation>Questionnaire</translation>
    </message>
    <message>
        <source>Reference code</source>
        <translation>Reference code</translation>
    </message>
    <message>
        <source>Answered on</source>
        <translation>Answered on</translation>
    </message>
    <message>
        <source>The code is printed small at the foot of the form. Leave a question empty if the patient did not answer it.</source>
        <translation>The code is printed small at the foot of the form. Leave a question empty if the patient did not answer it.</translation>
    </message>
    <message>
        <source>Enter at least one answer from the form.</source>
        <translation>Enter at least one answer from the form.</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Something went wrong. Details are in the log file.</source>
        <translation>Something went wrong. Details are in the log file.</translation>
    </message>
    <message>
        <source>No clinic has been set up in {path}. Run the setup first, or choose the folder that holds the clinic&apos;s data.</source>
        <translation>No clinic has been set up in {path}. Run the setup first, or choose the folder that holds the clinic&apos;s data.</translation>
    </message>
    <message>
        <source>A clinic already exists in {path}. Choose an empty folder for a new clinic.</source>
        <translation>A clinic already exists in {path}. Choose an empty folder for a new clinic.</translation>
    </message>
    <message>
        <source>That passphrase does not open this clinic. Check the keyboard layout and Caps Lock, then try again, or use the recovery key. Failed attempts so far: {count}.</source>
        <translation>That passphrase does not open this clinic. Check the keyboard layout and Caps Lock, then try again, or use the recovery key. Failed attempts so far: {count}.</translation>
    </message>
    <message>
        <source>That recovery key does not belong to this clinic. Check that it comes from this clinic&apos;s recovery kit. Failed attempts so far: {count}.</source>
        <translation>That recovery key does not belong to this clinic. Check that it comes from this clinic&apos;s recovery kit. Failed attempts so far: {count}.</translation>
    </message>
    <message>
        <source>That recovery key has a typing mistake: it should be 32 letters and digits in 8 groups of 4, exactly as printed on the recovery kit. Please type it again.</source>
        <translation>That recovery key has a typing mistake: it should be 32 letters and digits in 8 groups of 4, exactly as printed on the recovery kit. Please type it again.</translation>
    </message>
    <message>
        <source>Too many wrong passphrases or recovery keys ({count}). For safety, the next try is possible after {until} (UTC).</source>
        <translation>Too many wrong passphrases or recovery keys ({count}). For safety, the next try is possible after {until} (UTC).</translation>
    </message>
    <message>
        <source>This computer has no saved key for the clinic. Enter the clinic passphrase, or set CLINIC_DESK_PASSPHRASE for scripts.</source>
        <translation>This computer has no saved key for the clinic. Enter the clinic passphrase, or set CLINIC_DESK_PASSPHRASE for scripts.</translation>
    </message>
    <message>
        <source>The clinic&apos;s database is damaged ({detail}). Do not keep working in it: restore the latest backup, and keep the damaged file for inspection.</source>
        <translation>The clinic&apos;s database is damaged ({detail}). Do not keep working in it: restore the latest backup, and keep the damaged file for inspection.</translation>
    </message>
    <message>
        <source>The disk is full, so nothing was saved. Free some space on the disk that holds the clinic&apos;s data, then try again.</source>
        <translation>The disk is full, so nothing was saved. Free some space on the disk that holds the clinic&apos;s data, then try again.</translation>
    </message>
    <message>
        <source>The clinic&apos;s database is busy with another program for too long. Nothing was saved; try again in a moment.</source>
        <translation>The clinic&apos;s database is busy with another program for too long. Nothing was saved; try again in a moment.</translation>
    </message>
    <message>
        <source>This clinic&apos;s data was written by a newer version of ClinicDesk. Install the newer version on this computer before opening it.</source>
        <translation>This clinic&apos;s data was written by a newer version of ClinicDesk. Install the newer version on this computer before opening it.</translation>
    </message>
    <message>
        <source>Your role ({role}) may not do this ({action}). Ask the clinic director if you need it.</source>
        <translation>Your role ({role}) may not do this ({action}). Ask the clinic director if you need it.</translation>
    </message>
    <message>
        <source>This record is outside your role. For emergency access, give a reason; it will be recorded and reviewed.</source>
        <translation>This record is outside your role. For emergency access, give a reason; it will be recorded and reviewed.</translation>
    </message>
    <message>
        <source>The user name or password is not right. Please try again.</source>
        <translation>The user name or password is not right. Please try again.</translation>
    </message>
    <message>
        <source>This account is locked after too many wrong passwords, until {until}. Wait, or ask the director to unlock it.</source>
        <translation>This account is locked after too many wrong passwords, until {until}. Wait, or ask the director to unlock it.</translation>
    </message>
    <message>
        <source>This account has been disabled. Ask the clinic director.</source>
        <translation>This account has been disabled. Ask the clinic director.</translation>
    </message>
    <message>
        <source>That date is too far in the past or the future. Check the year and choose the date again.</source>
        <translation>That date is too far in the past or the future. Check the year and choose the date again.</translation>
    </message>
    <message>
        <source>The {what} was not found. It may have been removed.</source>
        <translation>The {what} was not found. It may have been removed.</translation>
    </message>
    <message>
        <source>The font file {path} that ClinicDesk needs for printing is missing. Reinstall ClinicDesk to restore it.</source>
        <translation>The font file {path} that ClinicDesk needs for printing is missing. Reinstall ClinicDesk to restore it.</translation>
    </message>
    <message>
        <source>The font file {path} that ClinicDesk needs for printing is damaged ({detail}). Reinstall ClinicDesk to restore it.</source>
        <translation>The font file {path} that ClinicDesk needs for printing is damaged ({detail}). Reinstall ClinicDesk to restore it.</translation>
    </message>
    <message>
        <source>The password is empty. Type a password.</source>
        <translation>The password is empty. Type a password.</translation>
    </message>
    <message>
        <source>The password is too short: use at least {n} characters.</source>
        <translation>The password is too short: use at least {n} characters.</translation>
    </message>
    <message>
        <source>The password is too long: use at most {n} characters.</source>
        <translation>The password is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>The password must not be the same as the user name.</source>
        <translation>The password must not be the same as the user name.</translation>
    </message>
    <message>
        <source>The reason is too long: use at most 1000 characters.</source>
        <translation>The reason is too long: use at most 1000 characters.</translation>
    </message>
    <message>
        <source>The clinic name is empty. Type the clinic&apos;s name.</source>
        <translation>The clinic name is empty. Type the clinic&apos;s name.</translation>
    </message>
    <message>
        <source>The clinic name is {length} characters long; use at most {n} characters.</source>
        <translation>The clinic name is {length} characters long; use at most {n} characters.</translation>
    </message>
    <message>
        <source>The clinic name contains control characters; type it on one line.</source>
        <translation>The clinic name contains control characters; type it on one line.</translation>
    </message>
    <message>
        <source>The two passphrases are not the same. Type the same passphrase twice.</source>
        <translation>The two passphrases are not the same. Type the same passphrase twice.</translation>
    </message>
    <message>
        <source>The name is too long: use at most {n} characters.</source>
        <translation>The name is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>{path} is not a ClinicDesk backup, or it is damaged. Choose a .cdbak file made by ClinicDesk.</source>
        <translation>{path} is not a ClinicDesk backup, or it is damaged. Choose a .cdbak file made by ClinicDesk.</translation>
    </message>
    <message>
        <source>The backup could not be written to {path} ({reason}). Check that the folder exists and has room, then try again.</source>
        <translation>The backup could not be written to {path} ({reason}). Check that the folder exists and has room, then try again.</translation>
    </message>
    <message>
        <source>The backup failed its check.</source>
        <translation>The backup failed its check.</translation>
    </message>
    <message>
        <source>The backup does not match the clinic&apos;s data (tables: {tables}).</source>
        <translation>The backup does not match the clinic&apos;s data (tables: {tables}).</translation>
    </message>
    <message>
        <source>{path} is a folder. Give a file name for the backup, ending in .cdbak.</source>
        <translation>{path} is a folder. Give a file name for the backup, ending in .cdbak.</translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Choose a folder that exists.</source>
        <translation>The folder {path} does not exist. Choose a folder that exists.</translation>
    </message>
    <message>
        <source>The backup is damaged and was not restored: {detail}.</source>
        <translation>The backup is damaged and was not restored: {detail}.</translation>
    </message>
    <message>
        <source>A name is made of letters: remove the emoji or other symbols from it.</source>
        <translation>A name is made of letters: remove the emoji or other symbols from it.</translation>
    </message>
    <message>
        <source>The birth date is in the future: check the year and the month.</source>
        <translation>The birth date is in the future: check the year and the month.</translation>
    </message>
    <message>
        <source>The birth date is more than {years} years ago: check the year.</source>
        <translation>The birth date is more than {years} years ago: check the year.</translation>
    </message>
    <message>
        <source>Choose from the offered values.</source>
        <translation>Choose from the offered values.</translation>
    </message>
    <message>
        <source>The patient&apos;s name is empty. Type the name.</source>
        <translation>The patient&apos;s name is empty. Type the name.</translation>
    </message>
    <message>
        <source>Choose the patient&apos;s sex.</source>
        <translation>Choose the patient&apos;s sex.</translation>
    </message>
    <message>
        <source>Choose the kind of document the number is from.</source>
        <translation>Choose the kind of document the number is from.</translation>
    </message>
    <message>
        <source>The birth date does not match the one in the ID number: check both against the card.</source>
        <translation>The birth date does not match the one in the ID number: check both against the card.</translation>
    </message>
    <message>
        <source>The sex does not match the one in the ID number: check both against the card.</source>
        <translation>The sex does not match the one in the ID number: check both against the card.</translation>
    </message>
    <message>
        <source>This is not an e-mail address: it looks like name@example.com.</source>
        <translation>This is not an e-mail address: it looks like name@example.com.</translation>
    </message>
    <message>
        <source>A QQ number has 5 to 12 digits and does not start with 0.</source>
        <translation>A QQ number has 5 to 12 digits and does not start with 0.</translation>
    </message>
    <message>
        <source>A WeChat ID has 6 to 20 letters, digits, - or _ and starts with a letter; or type the phone number it is linked to.</source>
        <translation>A WeChat ID has 6 to 20 letters, digits, - or _ and starts with a letter; or type the phone number it is linked to.</translation>
    </message>
    <message>
        <source>Patients are never addressed by the bare full name or a bed number: type a form such as 王教授 or Ms Wong.</source>
        <translation>Patients are never addressed by the bare full name or a bed number: type a form such as 王教授 or Ms Wong.</translation>
    </message>
    <message>
        <source>This is too long: use at most {n} characters.</source>
        <translation>This is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>The time {when} is in the future. Check the date and time, then try again.</source>
        <translation>The time {when} is in the future. Check the date and time, then try again.</translation>
    </message>
    <message>
        <source>The date is before 1900. Check the year, then try again.</source>
        <translation>The date is before 1900. Check the year, then try again.</translation>
    </message>
    <message>
        <source>The date {when} is in the future. Check the date, then try again.</source>
        <translation>The date {when} is in the future. Check the date, then try again.</translation>
    </message>
    <message>
        <source>The reason is empty. Type why this entry no longer applies, for example “entered in error” or “stopped by the doctor”.</source>
        <translation>The reason is empty. Type why this entry no longer applies, for example “entered in error” or “stopped by the doctor”.</translation>
    </message>
    <message>
        <source>The reason is empty. Type why this entry is being corrected.</source>
        <translation>The reason is empty. Type why this entry is being corrected.</translation>
    </message>
    <message>
        <source>This entry was already ended on {when}. Nothing was changed.</source>
        <translation>This entry was already ended on {when}. Nothing was changed.</translation>
    </message>
    <message>
        <source>This entry has been corrected already, perhaps by someone else. Open the record again and correct its latest version.</source>
        <translation>This entry has been corrected already, perhaps by someone else. Open the record again and correct its latest version.</translation>
    </message>
    <message>
        <source>This patient record was merged into another one. Open the other record and add it there.</source>
        <translation>This patient record was merged into another one. Open the other record and add it there.</translation>
    </message>
    <message>
        <source>That visit belongs to another patient. Choose one of this patient&apos;s visits.</source>
        <translation>That visit belongs to another patient. Choose one of this patient&apos;s visits.</translation>
    </message>
    <message>
        <source>Only a signed-in staff member can write this. Sign in with your own account.</source>
        <translation>Only a signed-in staff member can write this. Sign in with your own account.</translation>
    </message>
    <message>
        <source>The chosen doctor is not a staff member of this clinic. Choose another doctor.</source>
        <translation>The chosen doctor is not a staff member of this clinic. Choose another doctor.</translation>
    </message>
    <message>
        <source>{holder} is already booked from {start} to {end}. Choose another time; the next free times are: {free}.</source>
        <translation>{holder} is already booked from {start} to {end}. Choose another time; the next free times are: {free}.</translation>
    </message>
    <message>
        <source>{holder} is already booked from {start} to {end}, and no free time of this length was found in the next {days} days. Try another doctor or a shorter appointment.</source>
        <translation>{holder} is already booked from {start} to {end}, and no free time of this length was found in the next {days} days. Try another doctor or a shorter appointment.</translation>
    </message>
    <message>
        <source>Please confirm before saving: {details}</source>
        <translation>Please confirm before saving: {details}</translation>
    </message>
    <message>
        <source>Bookings for {day} closed at {cutoff} the day before. Only the director can book it now (with a reason); ask them, or choose a later day.</source>
        <translation>Bookings for {day} closed at {cutoff} the day before. Only the director can book it now (with a reason); ask them, or choose a later day.</translation>
    </message>
    <message>
        <source>The first-visit information (location, parking, what to bring) has not been written yet. Ask the director to fill it in under Settings, Clinic.</source>
        <translation>The first-visit information (location, parking, what to bring) has not been written yet. Ask the director to fill it in under Settings, Clinic.</translation>
    </message>
    <message>
        <source>The {label} is not a date and time. Pick it again.</source>
        <translation>The {label} is not a date and time. Pick it again.</translation>
    </message>
    <message>
        <source>The {label} has no time zone, so it could mean two different times. Pick it again on the calendar.</source>
        <translation>The {label} has no time zone, so it could mean two different times. Pick it again on the calendar.</translation>
    </message>
    <message>
        <source>The length should be a whole number of minutes.</source>
        <translation>The length should be a whole number of minutes.</translation>
    </message>
    <message>
        <source>The appointment ends before or when it starts ({minutes} minutes). Give an end after the start, at least {low} minutes later.</source>
        <translation>The appointment ends before or when it starts ({minutes} minutes). Give an end after the start, at least {low} minutes later.</translation>
    </message>
    <message>
        <source>An appointment of {minutes} minutes is too short: use at least {low}.</source>
        <translation>An appointment of {minutes} minutes is too short: use at least {low}.</translation>
    </message>
    <message>
        <source>An appointment of {minutes} minutes is too long: use at most {high} minutes (12 hours). Book several appointments for longer treatments.</source>
        <translation>An appointment of {minutes} minutes is too long: use at most {high} minutes (12 hours). Book several appointments for longer treatments.</translation>
    </message>
    <message>
        <source>Choose how the booking came in: phone, online, on site, referral or free-clinic event.</source>
        <translation>Choose how the booking came in: phone, online, on site, referral or free-clinic event.</translation>
    </message>
    <message>
        <source>Unknown confirmation: {what}.</source>
        <translation>Unknown confirmation: {what}.</translation>
    </message>
    <message>
        <source>A room or device in the list is not valid.</source>
        <translation>A room or device in the list is not valid.</translation>
    </message>
    <message>
        <source>An appointment can hold at most {n} rooms and devices.</source>
        <translation>An appointment can hold at most {n} rooms and devices.</translation>
    </message>
    <message>
        <source>This patient is a member and this purpose counts against the membership&apos;s {benefit} allowance, which is counted one visit at a time. Book each visit on its own (without Repeat), so each one is counted.</source>
        <translation>This patient is a member and this purpose counts against the membership&apos;s {benefit} allowance, which is counted one visit at a time. Book each visit on its own (without Repeat), so each one is counted.</translation>
    </message>
    <message>
        <source>appointment</source>
        <translation>appointment</translation>
    </message>
    <message>
        <source>patient</source>
        <translation>patient</translation>
    </message>
    <message>
        <source>This patient record was merged into another one. Search for the patient again and book on the record that remains.</source>
        <translation>This patient record was merged into another one. Search for the patient again and book on the record that remains.</translation>
    </message>
    <message>
        <source>{name}&apos;s account is disabled, so no new appointments can be made with them. Choose another doctor; their existing appointments stay in the calendar.</source>
        <translation>{name}&apos;s account is disabled, so no new appointments can be made with them. Choose another doctor; their existing appointments stay in the calendar.</translation>
    </message>
    <message>
        <source>{name} is not open for booking. Choose another doctor, or ask the director to make {name} bookable in the roster.</source>
        <translation>{name} is not open for booking. Choose another doctor, or ask the director to make {name} bookable in the roster.</translation>
    </message>
    <message>
        <source>That appointment type is no longer offered. Choose another type.</source>
        <translation>That appointment type is no longer offered. Choose another type.</translation>
    </message>
    <message>
        <source>room or device</source>
        <translation>room or device</translation>
    </message>
    <message>
        <source>{name} is out of use. Choose another room or device.</source>
        <translation>{name} is out of use. Choose another room or device.</translation>
    </message>
    <message>
        <source>The appointment from {start} to {end} runs past midnight. End it by 24:00, or book a second appointment for the next day.</source>
        <translation>The appointment from {start} to {end} runs past midnight. End it by 24:00, or book a second appointment for the next day.</translation>
    </message>
    <message>
        <source>{start} is in the past. Book it anyway only to record a visit.</source>
        <translation>{start} is in the past. Book it anyway only to record a visit.</translation>
    </message>
    <message>
        <source>Bookings for {day} closed at {cutoff} the day before. As director you may book anyway: give a reason, it is recorded.</source>
        <translation>Bookings for {day} closed at {cutoff} the day before. As director you may book anyway: give a reason, it is recorded.</translation>
    </message>
    <message>
        <source>Give a reason for booking after the cutoff; it is kept in the audit log.</source>
        <translation>Give a reason for booking after the cutoff; it is kept in the audit log.</translation>
    </message>
    <message>
        <source>The clinic is closed on {day} ({why}). Book on that day anyway?</source>
        <translation>The clinic is closed on {day} ({why}). Book on that day anyway?</translation>
    </message>
    <message>
        <source>{start} to {end} is outside {name}&apos;s working hours that day ({hours}). Book anyway?</source>
        <translation>{start} to {end} is outside {name}&apos;s working hours that day ({hours}). Book anyway?</translation>
    </message>
    <message>
        <source>This patient already has an appointment from {start} to {end} with {doctor}. Book both anyway?</source>
        <translation>This patient already has an appointment from {start} to {end} with {doctor}. Book both anyway?</translation>
    </message>
    <message>
        <source>{start} is held for members with priority booking until {opens}; from that day it is open to everyone. This patient is not such a member: book the held time anyway?</source>
        <translation>{start} is held for members with priority booking until {opens}; from that day it is open to everyone. This patient is not such a member: book the held time anyway?</translation>
    </message>
    <message>
        <source>Bookings are real-name: check the patient&apos;s identity document (or confirm name and ID number on the phone), then tick &quot;Identity checked&quot;.</source>
        <translation>Bookings are real-name: check the patient&apos;s identity document (or confirm name and ID number on the phone), then tick &quot;Identity checked&quot;.</translation>
    </message>
    <message>
        <source>This appointment is {status} and can no longer be moved. Book a new one instead.</source>
        <translation>This appointment is {status} and can no longer be moved. Book a new one instead.</translation>
    </message>
    <message>
        <source>Someone changed this appointment a moment ago. Look at it again, then move it.</source>
        <translation>Someone changed this appointment a moment ago. Look at it again, then move it.</translation>
    </message>
    <message>
        <source>An appointment that is {current} cannot become {new}. Refresh the calendar and check its status.</source>
        <translation>An appointment that is {current} cannot become {new}. Refresh the calendar and check its status.</translation>
    </message>
    <message>
        <source>An arrival can only be undone on the same day. Ask the director to correct older records.</source>
        <translation>An arrival can only be undone on the same day. Ask the director to correct older records.</translation>
    </message>
    <message>
        <source>This patient is number {number} in today&apos;s queue. At Reception, mark them as left without being seen first, then undo the arrival.</source>
        <translation>This patient is number {number} in today&apos;s queue. At Reception, mark them as left without being seen first, then undo the arrival.</translation>
    </message>
    <message>
        <source>visit</source>
        <translation>visit</translation>
    </message>
    <message>
        <source>allergy</source>
        <translation>allergy</translation>
    </message>
    <message>
        <source>medication</source>
        <translation>medication</translation>
    </message>
    <message>
        <source>condition</source>
        <translation>condition</translation>
    </message>
    <message>
        <source>vital signs</source>
        <translation>vital signs</translation>
    </message>
    <message>
        <source>attachment</source>
        <translation>attachment</translation>
    </message>
    <message>
        <source>assessment</source>
        <translation>assessment</translation>
    </message>
    <message>
        <source>clinical note</source>
        <translation>clinical note</translation>
    </message>
    <message>
        <source>The substance is empty. Type what the patient is allergic to.</source>
        <translation>The substance is empty. Type what the patient is allergic to.</translation>
    </message>
    <message>
        <source>Choose how severe the allergy is (choose “unknown” if nobody knows).</source>
        <translation>Choose how severe the allergy is (choose “unknown” if nobody knows).</translation>
    </message>
    <message>
        <source>{substance} is already on the patient&apos;s allergy list. If that entry is wrong, end it first, then add the new one.</source>
        <translation>{substance} is already on the patient&apos;s allergy list. If that entry is wrong, end it first, then add the new one.</translation>
    </message>
    <message>
        <source>The medicine is empty. Type the name of the medicine the patient takes.</source>
        <translation>The medicine is empty. Type the name of the medicine the patient takes.</translation>
    </message>
    <message>
        <source>Choose where the medication information comes from.</source>
        <translation>Choose where the medication information comes from.</translation>
    </message>
    <message>
        <source>The condition is empty. Type the name of the condition, for example 高血压.</source>
        <translation>The condition is empty. Type the name of the condition, for example 高血压.</translation>
    </message>
    <message>
        <source>Choose the kind of visit from the list.</source>
        <translation>Choose the kind of visit from the list.</translation>
    </message>
    <message>
        <source>The visit is empty. Type at least the complaint, the findings, the diagnosis or the plan.</source>
        <translation>The visit is empty. Type at least the complaint, the findings, the diagnosis or the plan.</translation>
    </message>
    <message>
        <source>The note is empty. Type the note.</source>
        <translation>The note is empty. Type the note.</translation>
    </message>
    <message>
        <source>No measurement was typed. Type at least one, for example the blood pressure.</source>
        <translation>No measurement was typed. Type at least one, for example the blood pressure.</translation>
    </message>
    <message>
        <source>The title is empty. Type what the document is, for example “Blood test”.</source>
        <translation>The title is empty. Type what the document is, for example “Blood test”.</translation>
    </message>
    <message>
        <source>The file is empty (0 bytes). Choose the file again, or scan the document again.</source>
        <translation>The file is empty (0 bytes). Choose the file again, or scan the document again.</translation>
    </message>
    <message>
        <source>The file is {size} MB, larger than the limit of {limit} MB. Make it smaller (for example, scan at a lower resolution), or ask the director to raise the limit in the settings.</source>
        <translation>The file is {size} MB, larger than the limit of {limit} MB. Make it smaller (for example, scan at a lower resolution), or ask the director to raise the limit in the settings.</translation>
    </message>
    <message>
        <source>Choose what kind of document this is.</source>
        <translation>Choose what kind of document this is.</translation>
    </message>
    <message>
        <source>The file type “{mime}” is not valid. Leave it empty to detect it from the name.</source>
        <translation>The file type “{mime}” is not valid. Leave it empty to detect it from the name.</translation>
    </message>
    <message>
        <source>The assessment summary is empty. Type what the assessment found.</source>
        <translation>The assessment summary is empty. Type what the assessment found.</translation>
    </message>
    <message>
        <source>The kind of assessment is empty. Type it, for example “general”.</source>
        <translation>The kind of assessment is empty. Type it, for example “general”.</translation>
    </message>
    <message>
        <source>Choose the risk level from the list, or leave it empty.</source>
        <translation>Choose the risk level from the list, or leave it empty.</translation>
    </message>
    <message>
        <source>A patient with this ID number is already registered. Open that record instead of registering again.</source>
        <translation>A patient with this ID number is already registered. Open that record instead of registering again.</translation>
    </message>
    <message>
        <source>A patient with the same name, birth date and phone is already registered. Open that record, or confirm this is a different person.</source>
        <translation>A patient with the same name, birth date and phone is already registered. Open that record, or confirm this is a different person.</translation>
    </message>
    <message>
        <source>This record was merged into another one. Open that record to change the patient&apos;s details.</source>
        <translation>This record was merged into another one. Open that record to change the patient&apos;s details.</translation>
    </message>
    <message>
        <source>The note should be text.</source>
        <translation>The note should be text.</translation>
    </message>
    <message>
        <source>The note contains invisible control characters. Type it again, or paste it as plain text.</source>
        <translation>The note contains invisible control characters. Type it again, or paste it as plain text.</translation>
    </message>
    <message>
        <source>The date of death should be a date.</source>
        <translation>The date of death should be a date.</translation>
    </message>
    <message>
        <source>That date is too long ago. Check the year.</source>
        <translation>That date is too long ago. Check the year.</translation>
    </message>
    <message>
        <source>The date of death ({day}) cannot be in the future. Check the date.</source>
        <translation>The date of death ({day}) cannot be in the future. Check the date.</translation>
    </message>
    <message>
        <source>The date of death ({day}) is before the birth date ({birth}). Check both dates.</source>
        <translation>The date of death ({day}) is before the birth date ({birth}). Check both dates.</translation>
    </message>
    <message>
        <source>Say whether the patient wants calls and whether they want messages.</source>
        <translation>Say whether the patient wants calls and whether they want messages.</translation>
    </message>
    <message>
        <source>Say why these two records are the same patient (at least 4 characters).</source>
        <translation>Say why these two records are the same patient (at least 4 characters).</translation>
    </message>
    <message>
        <source>Choose two different records to merge.</source>
        <translation>Choose two different records to merge.</translation>
    </message>
    <message>
        <source>One of these records was already merged. Search again and choose the current record.</source>
        <translation>One of these records was already merged. Search again and choose the current record.</translation>
    </message>
    <message>
        <source>The note is too long: use at most {n} characters.</source>
        <translation>The note is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>Choose how you contacted the patient.</source>
        <translation>Choose how you contacted the patient.</translation>
    </message>
    <message>
        <source>Choose whether the patient contacted us or we contacted them.</source>
        <translation>Choose whether the patient contacted us or we contacted them.</translation>
    </message>
    <message>
        <source>The summary is empty. Write what was said or agreed.</source>
        <translation>The summary is empty. Write what was said or agreed.</translation>
    </message>
    <message>
        <source>The summary is too long: use at most {n} characters.</source>
        <translation>The summary is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>There is no setting called {key}.</source>
        <translation>There is no setting called {key}.</translation>
    </message>
    <message>
        <source>The user name is empty. Type one.</source>
        <translation>The user name is empty. Type one.</translation>
    </message>
    <message>
        <source>The user name is too long: use at most {n} characters.</source>
        <translation>The user name is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>A user name may use only letters a-z, digits and . _ - @ (for example zhang.li). Put the person&apos;s name in Chinese in the display name.</source>
        <translation>A user name may use only letters a-z, digits and . _ - @ (for example zhang.li). Put the person&apos;s name in Chinese in the display name.</translation>
    </message>
    <message>
        <source>The name is empty. Type the person&apos;s name.</source>
        <translation>The name is empty. Type the person&apos;s name.</translation>
    </message>
    <message>
        <source>There is no role called {role}.</source>
        <translation>There is no role called {role}.</translation>
    </message>
    <message>
        <source>The user name {login} is taken. Choose another user name.</source>
        <translation>The user name {login} is taken. Choose another user name.</translation>
    </message>
    <message>
        <source>{text} is not a time of day. Type hours and minutes from 00:00 to 24:00, such as 08:30.</source>
        <translation>{text} is not a time of day. Type hours and minutes from 00:00 to 24:00, such as 08:30.</translation>
    </message>
    <message>
        <source>{color} is not a colour code. Use # and six hexadecimal digits, such as #3A7BD5, or leave it empty.</source>
        <translation>{color} is not a colour code. Use # and six hexadecimal digits, such as #3A7BD5, or leave it empty.</translation>
    </message>
    <message>
        <source>The plan&apos;s steps should be a list of steps.</source>
        <translation>The plan&apos;s steps should be a list of steps.</translation>
    </message>
    <message>
        <source>A plan needs at least one step. Add a step, or switch the plan off instead.</source>
        <translation>A plan needs at least one step. Add a step, or switch the plan off instead.</translation>
    </message>
    <message>
        <source>A plan has at most {n} steps. Remove some steps.</source>
        <translation>A plan has at most {n} steps. Remove some steps.</translation>
    </message>
    <message>
        <source>Step {n} is not a plan step.</source>
        <translation>Step {n} is not a plan step.</translation>
    </message>
    <message>
        <source>Step {n}: the days after the visit and the days allowed should each be a whole number from 0 to {top}.</source>
        <translation>Step {n}: the days after the visit and the days allowed should each be a whole number from 0 to {top}.</translation>
    </message>
    <message>
        <source>Step {n}: choose how the patient is contacted.</source>
        <translation>Step {n}: choose how the patient is contacted.</translation>
    </message>
    <message>
        <source>Step {n}: choose who makes the contact.</source>
        <translation>Step {n}: choose who makes the contact.</translation>
    </message>
    <message>
        <source>Step {n}: the level should be a whole number from 0 to {top}.</source>
        <translation>Step {n}: the level should be a whole number from 0 to {top}.</translation>
    </message>
    <message>
        <source>Say whether the plan is in use.</source>
        <translation>Say whether the plan is in use.</translation>
    </message>
    <message>
        <source>This complaint is closed. Reopen it (with a reason) to change it.</source>
        <translation>This complaint is closed. Reopen it (with a reason) to change it.</translation>
    </message>
    <message>
        <source>This cannot be empty. Type it in, then try again.</source>
        <translation>This cannot be empty. Type it in, then try again.</translation>
    </message>
    <message>
        <source>Only a signed-in staff member can do this. Sign in with your own account.</source>
        <translation>Only a signed-in staff member can do this. Sign in with your own account.</translation>
    </message>
    <message>
        <source>The case still names the patient or the complainant. Remove names, phone numbers and ID numbers: cases are anonymised.</source>
        <translation>The case still names the patient or the complainant. Remove names, phone numbers and ID numbers: cases are anonymised.</translation>
    </message>
    <message>
        <source>The case still holds a phone number. Remove names, phone numbers and ID numbers: cases are anonymised.</source>
        <translation>The case still holds a phone number. Remove names, phone numbers and ID numbers: cases are anonymised.</translation>
    </message>
    <message>
        <source>The case still holds an ID number or a record number. Remove names, phone numbers and ID numbers: cases are anonymised.</source>
        <translation>The case still holds an ID number or a record number. Remove names, phone numbers and ID numbers: cases are anonymised.</translation>
    </message>
    <message>
        <source>Note {note}: {problem}</source>
        <translation>Note {note}: {problem}</translation>
    </message>
    <message>
        <source>This should be text.</source>
        <translation>This should be text.</translation>
    </message>
    <message>
        <source>This text contains invisible control characters. Type it again, or paste it as plain text.</source>
        <translation>This text contains invisible control characters. Type it again, or paste it as plain text.</translation>
    </message>
    <message>
        <source>“{value}” is not one of the choices. Choose one of: {choices}.</source>
        <translation>“{value}” is not one of the choices. Choose one of: {choices}.</translation>
    </message>
    <message>
        <source>This should be a date and a time.</source>
        <translation>This should be a date and a time.</translation>
    </message>
    <message>
        <source>The time has no time zone, so it could be read two ways. Give the time with its time zone.</source>
        <translation>The time has no time zone, so it could be read two ways. Give the time with its time zone.</translation>
    </message>
    <message>
        <source>The time {when} is too far back (before {limit}). Check the date, then try again.</source>
        <translation>The time {when} is too far back (before {limit}). Check the date, then try again.</translation>
    </message>
    <message>
        <source>This should be a calendar date.</source>
        <translation>This should be a calendar date.</translation>
    </message>
    <message>
        <source>Choose a staff member.</source>
        <translation>Choose a staff member.</translation>
    </message>
    <message>
        <source>That staff member does not exist or their account is disabled. Choose someone who works here now.</source>
        <translation>That staff member does not exist or their account is disabled. Choose someone who works here now.</translation>
    </message>
    <message>
        <source>That staff member is not on the staff list. Choose another.</source>
        <translation>That staff member is not on the staff list. Choose another.</translation>
    </message>
    <message>
        <source>complaint</source>
        <translation>complaint</translation>
    </message>
    <message>
        <source>This is not a complaint entry.</source>
        <translation>This is not a complaint entry.</translation>
    </message>
    <message>
        <source>Who is complaining? Type the complainant&apos;s name (only suggestion-box notes may be anonymous).</source>
        <translation>Who is complaining? Type the complainant&apos;s name (only suggestion-box notes may be anonymous).</translation>
    </message>
    <message>
        <source>The box was opened too long ago ({when}). Check the date.</source>
        <translation>The box was opened too long ago ({when}). Check the date.</translation>
    </message>
    <message>
        <source>There are {count} notes; enter at most {n} at a time. Split the batch.</source>
        <translation>There are {count} notes; enter at most {n} at a time. Split the batch.</translation>
    </message>
    <message>
        <source>Every note is blank. Type what the notes say, then save.</source>
        <translation>Every note is blank. Type what the notes say, then save.</translation>
    </message>
    <message>
        <source>This complaint was accepted already. Nothing changed.</source>
        <translation>This complaint was accepted already. Nothing changed.</translation>
    </message>
    <message>
        <source>The due day {when} has passed. Choose today or a later day.</source>
        <translation>The due day {when} has passed. Choose today or a later day.</translation>
    </message>
    <message>
        <source>No rectification was set for this complaint. Set one first.</source>
        <translation>No rectification was set for this complaint. Set one first.</translation>
    </message>
    <message>
        <source>{name} owns this complaint already. Choose someone else.</source>
        <translation>{name} owns this complaint already. Choose someone else.</translation>
    </message>
    <message>
        <source>Nothing was changed. Change a field, then save.</source>
        <translation>Nothing was changed. Change a field, then save.</translation>
    </message>
    <message>
        <source>The complainant has not had a reply yet. Record the reply (when and how), then close the complaint.</source>
        <translation>The complainant has not had a reply yet. Record the reply (when and how), then close the complaint.</translation>
    </message>
    <message>
        <source>This anonymous note cannot be replied to. Write a closing note saying what was done, then close it.</source>
        <translation>This anonymous note cannot be replied to. Write a closing note saying what was done, then close it.</translation>
    </message>
    <message>
        <source>The rectification is not done yet. Record it as done, then close the complaint.</source>
        <translation>The rectification is not done yet. Record it as done, then close the complaint.</translation>
    </message>
    <message>
        <source>This complaint is open already. Nothing changed.</source>
        <translation>This complaint is open already. Nothing changed.</translation>
    </message>
    <message>
        <source>This complaint was not escalated. There is nothing to mark as seen.</source>
        <translation>This complaint was not escalated. There is nothing to mark as seen.</translation>
    </message>
    <message>
        <source>A training case was made from this complaint already. Open it in the training library instead.</source>
        <translation>A training case was made from this complaint already. Open it in the training library instead.</translation>
    </message>
    <message>
        <source>Give at most {n} whys, one per line.</source>
        <translation>Give at most {n} whys, one per line.</translation>
    </message>
    <message>
        <source>A why in the middle is empty. Fill it in or remove it.</source>
        <translation>A why in the middle is empty. Fill it in or remove it.</translation>
    </message>
    <message>
        <source>To finish the analysis, give at least one why, the root cause and the actions.</source>
        <translation>To finish the analysis, give at least one why, the root cause and the actions.</translation>
    </message>
    <message>
        <source>root-cause analysis</source>
        <translation>root-cause analysis</translation>
    </message>
    <message>
        <source>staff member</source>
        <translation>staff member</translation>
    </message>
    <message>
        <source>{name}&apos;s role does not make follow-up calls. Choose someone else, or leave the task to the pool.</source>
        <translation>{name}&apos;s role does not make follow-up calls. Choose someone else, or leave the task to the pool.</translation>
    </message>
    <message>
        <source>follow-up task</source>
        <translation>follow-up task</translation>
    </message>
    <message>
        <source>This follow-up is already {status}, so it cannot be changed. Refresh the list.</source>
        <translation>This follow-up is already {status}, so it cannot be changed. Refresh the list.</translation>
    </message>
    <message>
        <source>Choose whose follow-ups to show: mine, my role&apos;s, or all.</source>
        <translation>Choose whose follow-ups to show: mine, my role&apos;s, or all.</translation>
    </message>
    <message>
        <source>Choose the kinds of follow-up to show.</source>
        <translation>Choose the kinds of follow-up to show.</translation>
    </message>
    <message>
        <source>Say what the follow-up is for (for example: pass on the test result).</source>
        <translation>Say what the follow-up is for (for example: pass on the test result).</translation>
    </message>
    <message>
        <source>The last day ({last}) is before the first day ({first}). Swap them.</source>
        <translation>The last day ({last}) is before the first day ({first}). Swap them.</translation>
    </message>
    <message>
        <source>Choose days from today to at most {n} days ahead, for a window of at most {n} days.</source>
        <translation>Choose days from today to at most {n} days ahead, for a window of at most {n} days.</translation>
    </message>
    <message>
        <source>Choose how the patient is contacted.</source>
        <translation>Choose how the patient is contacted.</translation>
    </message>
    <message>
        <source>Choose who makes the contact.</source>
        <translation>Choose who makes the contact.</translation>
    </message>
    <message>
        <source>This patient is recorded as deceased, so no follow-up is added.</source>
        <translation>This patient is recorded as deceased, so no follow-up is added.</translation>
    </message>
    <message>
        <source>This patient asked not to be contacted this way. Choose another way, or change the patient&apos;s contact choices first.</source>
        <translation>This patient asked not to be contacted this way. Choose another way, or change the patient&apos;s contact choices first.</translation>
    </message>
    <message>
        <source>Choose why the follow-up is closed.</source>
        <translation>Choose why the follow-up is closed.</translation>
    </message>
    <message>
        <source>The satisfaction answers should be scores per question.</source>
        <translation>The satisfaction answers should be scores per question.</translation>
    </message>
    <message>
        <source>There is no satisfaction question “{key}”. Use the questions given.</source>
        <translation>There is no satisfaction question “{key}”. Use the questions given.</translation>
    </message>
    <message>
        <source>Each satisfaction answer is a score from 1 (poor) to 5 (very good).</source>
        <translation>Each satisfaction answer is a score from 1 (poor) to 5 (very good).</translation>
    </message>
    <message>
        <source>Choose how the call went: reached, no answer, wrong number or refused.</source>
        <translation>Choose how the call went: reached, no answer, wrong number or refused.</translation>
    </message>
    <message>
        <source>Choose how the patient was contacted.</source>
        <translation>Choose how the patient was contacted.</translation>
    </message>
    <message>
        <source>Choose how the patient is recovering.</source>
        <translation>Choose how the patient is recovering.</translation>
    </message>
    <message>
        <source>Choose how the patient takes the medication.</source>
        <translation>Choose how the patient takes the medication.</translation>
    </message>
    <message>
        <source>Say whether the nurse&apos;s and the doctor&apos;s follow-ups took place.</source>
        <translation>Say whether the nurse&apos;s and the doctor&apos;s follow-ups took place.</translation>
    </message>
    <message>
        <source>Say whether the patient confirmed the appointment.</source>
        <translation>Say whether the patient confirmed the appointment.</translation>
    </message>
    <message>
        <source>The survey answers should be given per question.</source>
        <translation>The survey answers should be given per question.</translation>
    </message>
    <message>
        <source>Nobody was reached, so the call has no answers. Choose “reached”, or clear the answers and keep only the notes.</source>
        <translation>Nobody was reached, so the call has no answers. Choose “reached”, or clear the answers and keep only the notes.</translation>
    </message>
    <message>
        <source>Write the suggestion to forward to {department}, or do not forward.</source>
        <translation>Write the suggestion to forward to {department}, or do not forward.</translation>
    </message>
    <message>
        <source>follow-up call</source>
        <translation>follow-up call</translation>
    </message>
    <message>
        <source>Survey answers are recorded on a satisfaction survey call only.</source>
        <translation>Survey answers are recorded on a satisfaction survey call only.</translation>
    </message>
    <message>
        <source>The patient refused the survey, so the call has no answers. Choose “reached”, or clear the answers.</source>
        <translation>The patient refused the survey, so the call has no answers. Choose “reached”, or clear the answers.</translation>
    </message>
    <message>
        <source>Only a confirmation call that reached the patient can confirm the appointment.</source>
        <translation>Only a confirmation call that reached the patient can confirm the appointment.</translation>
    </message>
    <message>
        <source>Ask whether the nurse and the doctor followed up, and record the answer.</source>
        <translation>Ask whether the nurse and the doctor followed up, and record the answer.</translation>
    </message>
    <message>
        <source>That date range is too long: choose at most {n} days at a time.</source>
        <translation>That date range is too long: choose at most {n} days at a time.</translation>
    </message>
    <message>
        <source>Choose how the call was: good, acceptable or poor.</source>
        <translation>Choose how the call was: good, acceptable or poor.</translation>
    </message>
    <message>
        <source>You made this call, so you cannot check it yourself. Ask another supervisor to check it.</source>
        <translation>You made this call, so you cannot check it yourself. Ask another supervisor to check it.</translation>
    </message>
    <message>
        <source>Choose which forwarded suggestions to show.</source>
        <translation>Choose which forwarded suggestions to show.</translation>
    </message>
    <message>
        <source>Write the department&apos;s answer to the suggestion.</source>
        <translation>Write the department&apos;s answer to the suggestion.</translation>
    </message>
    <message>
        <source>forwarded suggestion</source>
        <translation>forwarded suggestion</translation>
    </message>
    <message>
        <source>This suggestion has been answered already. Refresh the list.</source>
        <translation>This suggestion has been answered already. Refresh the list.</translation>
    </message>
    <message>
        <source>Choose whether to count per department or per doctor.</source>
        <translation>Choose whether to count per department or per doctor.</translation>
    </message>
    <message>
        <source>{where}: give the start and end as times of day, such as 08:30.</source>
        <translation>{where}: give the start and end as times of day, such as 08:30.</translation>
    </message>
    <message>
        <source>{where}: {span} is outside the day. Times run from 00:00 to 24:00.</source>
        <translation>{where}: {span} is outside the day. Times run from 00:00 to 24:00.</translation>
    </message>
    <message>
        <source>{where}: {span} ends before it starts or has no length. Make the end later than the start; hours past midnight belong to the next day.</source>
        <translation>{where}: {span} ends before it starts or has no length. Make the end later than the start; hours past midnight belong to the next day.</translation>
    </message>
    <message>
        <source>The roster should be a list of working hours and breaks.</source>
        <translation>The roster should be a list of working hours and breaks.</translation>
    </message>
    <message>
        <source>A weekly roster has at most {n} blocks; join some of them.</source>
        <translation>A weekly roster has at most {n} blocks; join some of them.</translation>
    </message>
    <message>
        <source>There is no weekday {weekday}: use 0 for Monday up to 6 for Sunday.</source>
        <translation>There is no weekday {weekday}: use 0 for Monday up to 6 for Sunday.</translation>
    </message>
    <message>
        <source>A roster block is working hours or a break, not {kind}.</source>
        <translation>A roster block is working hours or a break, not {kind}.</translation>
    </message>
    <message>
        <source>On {weekday}, the working hours {first} and {second} overlap. Join them into one block or change one of them.</source>
        <translation>On {weekday}, the working hours {first} and {second} overlap. Join them into one block or change one of them.</translation>
    </message>
    <message>
        <source>On {weekday}, the break {span} is not inside the working hours. A break must fall within working hours; add the hours first.</source>
        <translation>On {weekday}, the break {span} is not inside the working hours. A break must fall within working hours; add the hours first.</translation>
    </message>
    <message>
        <source>staff account</source>
        <translation>staff account</translation>
    </message>
    <message>
        <source>{name} is a {role}. Only doctors and health managers have rosters and take appointments; change the role on the staff page first.</source>
        <translation>{name} is a {role}. Only doctors and health managers have rosters and take appointments; change the role on the staff page first.</translation>
    </message>
    <message>
        <source>Record an absence or a substitution on the absence screen: it also lists the patients to contact.</source>
        <translation>Record an absence or a substitution on the absence screen: it also lists the patients to contact.</translation>
    </message>
    <message>
        <source>A roster change is a day off or extra hours, not {kind}.</source>
        <translation>A roster change is a day off or extra hours, not {kind}.</translation>
    </message>
    <message>
        <source>Give the start and end time of the extra hours.</source>
        <translation>Give the start and end time of the extra hours.</translation>
    </message>
    <message>
        <source>roster change</source>
        <translation>roster change</translation>
    </message>
    <message>
        <source>This absence was recorded on the absence screen; cancel it there so the patients&apos; contact list stays right.</source>
        <translation>This absence was recorded on the absence screen; cancel it there so the patients&apos; contact list stays right.</translation>
    </message>
    <message>
        <source>The clinic is already marked closed on {day}. Change or remove that closure instead.</source>
        <translation>The clinic is already marked closed on {day}. Change or remove that closure instead.</translation>
    </message>
    <message>
        <source>closure</source>
        <translation>closure</translation>
    </message>
    <message>
        <source>A resource is a room or a device, not {kind}.</source>
        <translation>A resource is a room or a device, not {kind}.</translation>
    </message>
    <message>
        <source>There is already a room or device called {name}. Choose another name.</source>
        <translation>There is already a room or device called {name}. Choose another name.</translation>
    </message>
    <message>
        <source>{count} upcoming appointments still need {name}. Move them to another room or device first, then take it off the calendar.</source>
        <translation>{count} upcoming appointments still need {name}. Move them to another room or device first, then take it off the calendar.</translation>
    </message>
    <message>
        <source>The usual length must be a whole number of minutes from {low} to {high}; {value} is not.</source>
        <translation>The usual length must be a whole number of minutes from {low} to {high}; {value} is not.</translation>
    </message>
    <message>
        <source>{value} is not a membership benefit a booking can count against. Choose one from the list, or none.</source>
        <translation>{value} is not a membership benefit a booking can count against. Choose one from the list, or none.</translation>
    </message>
    <message>
        <source>Choose the rooms and devices from the list.</source>
        <translation>Choose the rooms and devices from the list.</translation>
    </message>
    <message>
        <source>An appointment type can need at most {n} rooms and devices.</source>
        <translation>An appointment type can need at most {n} rooms and devices.</translation>
    </message>
    <message>
        <source>One of the chosen rooms or devices no longer exists or is off the calendar. Choose them again.</source>
        <translation>One of the chosen rooms or devices no longer exists or is off the calendar. Choose them again.</translation>
    </message>
    <message>
        <source>There is already an appointment type called {name}. Choose another name.</source>
        <translation>There is already an appointment type called {name}. Choose another name.</translation>
    </message>
    <message>
        <source>appointment type</source>
        <translation>appointment type</translation>
    </message>
    <message>
        <source>This is the only active director account; the clinic would have no one to manage it. Make another director first.</source>
        <translation>This is the only active director account; the clinic would have no one to manage it. Make another director first.</translation>
    </message>
    <message>
        <source>Choose a new password, not the current one.</source>
        <translation>Choose a new password, not the current one.</translation>
    </message>
    <message>
        <source>{label}: type a whole number.</source>
        <translation>{label}: type a whole number.</translation>
    </message>
    <message>
        <source>{label}: choose a number from {minimum} to {maximum}.</source>
        <translation>{label}: choose a number from {minimum} to {maximum}.</translation>
    </message>
    <message>
        <source>{label}: choose yes or no.</source>
        <translation>{label}: choose yes or no.</translation>
    </message>
    <message>
        <source>{label}: type a time as HH:MM, e.g. 16:00.</source>
        <translation>{label}: type a time as HH:MM, e.g. 16:00.</translation>
    </message>
    <message>
        <source>{label}: choose one of the offered values.</source>
        <translation>{label}: choose one of the offered values.</translation>
    </message>
    <message>
        <source>{value} is not a time zone. Choose one such as Asia/Shanghai.</source>
        <translation>{value} is not a time zone. Choose one such as Asia/Shanghai.</translation>
    </message>
    <message>
        <source>{label}: use at most {n} characters.</source>
        <translation>{label}: use at most {n} characters.</translation>
    </message>
    <message>
        <source>Messages cannot start being sent after the time they stop. Make &apos;send from&apos; earlier than &apos;send until&apos;.</source>
        <translation>Messages cannot start being sent after the time they stop. Make &apos;send from&apos; earlier than &apos;send until&apos;.</translation>
    </message>
    <message>
        <source>{path} is a file, not a folder. Choose a folder for the clinic&apos;s data.</source>
        <translation>{path} is a file, not a folder. Choose a folder for the clinic&apos;s data.</translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Check the path and try again.</source>
        <translation>The folder {path} does not exist. Check the path and try again.</translation>
    </message>
    <message>
        <source>The folder {path} cannot be created ({reason}). Choose a folder you may write to.</source>
        <translation>The folder {path} cannot be created ({reason}). Choose a folder you may write to.</translation>
    </message>
    <message>
        <source>{path} is on a network drive ({fs}). The clinic&apos;s database must be on this computer&apos;s own disk; to share data between computers, set up sync instead.</source>
        <translation>{path} is on a network drive ({fs}). The clinic&apos;s database must be on this computer&apos;s own disk; to share data between computers, set up sync instead.</translation>
    </message>
    <message>
        <source>ClinicDesk cannot write in {path} ({reason}). Choose a folder on this computer that you may write to.</source>
        <translation>ClinicDesk cannot write in {path} ({reason}). Choose a folder on this computer that you may write to.</translation>
    </message>
    <message>
        <source>The computer reported a problem with a file: {reason}. Check the disk and the folder&apos;s permissions, then try again.</source>
        <translation>The computer reported a problem with a file: {reason}. Check the disk and the folder&apos;s permissions, then try again.</translation>
    </message>
    <message>
        <source>Something went wrong and the action was not completed. The details are in the log file; please tell the person who looks after the clinic&apos;s computers.</source>
        <translation>Something went wrong and the action was not completed. The details are in the log file; please tell the person who looks after the clinic&apos;s computers.</translation>
    </message>
    <message>
        <source>ClinicDesk</source>
        <translation>ClinicDesk</translation>
    </message>
    <message>
        <source>The number of demo patients must be between 0 and {n}.</source>
        <translation>The number of demo patients must be between 0 and {n}.</translation>
    </message>
    <message>
        <source>The demo period must be more than 0 and at most {n} years.</source>
        <translation>The demo period must be more than 0 and at most {n} years.</translation>
    </message>
    <message>
        <source>The demo visits per year must be between 0 and {n}.</source>
        <translation>The demo visits per year must be between 0 and {n}.</translation>
    </message>
    <message>
        <source>The clinic has no active doctor to write the demo visits. Add a doctor first.</source>
        <translation>The clinic has no active doctor to write the demo visits. Add a doctor first.</translation>
    </message>
    <message>
        <source>Type the document number.</source>
        <translation>Type the document number.</translation>
    </message>
    <message>
        <source>This is too long for a document number: type only the number printed on the document.</source>
        <translation>This is too long for a document number: type only the number printed on the document.</translation>
    </message>
    <message>
        <source>A document number has only letters and digits (spaces, hyphens and brackets are ignored): remove the other characters and check the number on the document.</source>
        <translation>A document number has only letters and digits (spaces, hyphens and brackets are ignored): remove the other characters and check the number on the document.</translation>
    </message>
    <message>
        <source>Choose the kind of document first.</source>
        <translation>Choose the kind of document first.</translation>
    </message>
    <message>
        <source>A resident ID number has 18 characters: 17 digits, then a digit or X (cards from before 2004 may have 15 digits). Check the number on the card.</source>
        <translation>A resident ID number has 18 characters: 17 digits, then a digit or X (cards from before 2004 may have 15 digits). Check the number on the card.</translation>
    </message>
    <message>
        <source>A Hong Kong ID number is one or two letters, six digits and a check digit or A in brackets, for example A123456(3). Check the number on the card.</source>
        <translation>A Hong Kong ID number is one or two letters, six digits and a check digit or A in brackets, for example A123456(3). Check the number on the card.</translation>
    </message>
    <message>
        <source>A Taiwan ID number is one letter and nine digits, for example A123456789. Check the number on the card.</source>
        <translation>A Taiwan ID number is one letter and nine digits, for example A123456789. Check the number on the card.</translation>
    </message>
    <message>
        <source>A Macau ID number is 1, 5 or 7, six more digits and a check digit in brackets, for example 1234567(8). Check the number on the card.</source>
        <translation>A Macau ID number is 1, 5 or 7, six more digits and a check digit in brackets, for example 1234567(8). Check the number on the card.</translation>
    </message>
    <message>
        <source>A Home Return Permit number is H or M followed by 8 digits (older permits add 2 more digits). Check the number on the permit.</source>
        <translation>A Home Return Permit number is H or M followed by 8 digits (older permits add 2 more digits). Check the number on the permit.</translation>
    </message>
    <message>
        <source>A Taiwan compatriot permit number has 8 digits (older permits have 10 characters). Check the number on the permit.</source>
        <translation>A Taiwan compatriot permit number has 8 digits (older permits have 10 characters). Check the number on the permit.</translation>
    </message>
    <message>
        <source>A foreign permanent resident ID has 18 characters starting with 9 (older cards: 3 letters and 12 digits). Check the number on the card.</source>
        <translation>A foreign permanent resident ID has 18 characters starting with 9 (older cards: 3 letters and 12 digits). Check the number on the card.</translation>
    </message>
    <message>
        <source>A residence permit number for Hong Kong, Macau or Taiwan residents has 18 characters: 17 digits, then a digit or X. Check the number on the permit.</source>
        <translation>A residence permit number for Hong Kong, Macau or Taiwan residents has 18 characters: 17 digits, then a digit or X. Check the number on the permit.</translation>
    </message>
    <message>
        <source>A passport number has 5 to 20 letters and digits. Check the number on the passport&apos;s photo page.</source>
        <translation>A passport number has 5 to 20 letters and digits. Check the number on the passport&apos;s photo page.</translation>
    </message>
    <message>
        <source>The last character of this resident ID does not match the others: check the number on the card.</source>
        <translation>The last character of this resident ID does not match the others: check the number on the card.</translation>
    </message>
    <message>
        <source>The last character of this residence permit number does not match the others: check the number on the permit.</source>
        <translation>The last character of this residence permit number does not match the others: check the number on the permit.</translation>
    </message>
    <message>
        <source>The last character of this permanent resident ID does not match the others: check the number on the card.</source>
        <translation>The last character of this permanent resident ID does not match the others: check the number on the card.</translation>
    </message>
    <message>
        <source>The check digit in brackets does not match this Hong Kong ID number: check the number on the card.</source>
        <translation>The check digit in brackets does not match this Hong Kong ID number: check the number on the card.</translation>
    </message>
    <message>
        <source>The last digit of this Taiwan ID number does not match the others: check the number on the card.</source>
        <translation>The last digit of this Taiwan ID number does not match the others: check the number on the card.</translation>
    </message>
    <message>
        <source>This resident ID starts with a region code that does not exist: check the first two digits on the card.</source>
        <translation>This resident ID starts with a region code that does not exist: check the first two digits on the card.</translation>
    </message>
    <message>
        <source>Resident ID numbers never start with 9; numbers starting with 9 are foreign permanent resident IDs. Check the number, or choose that kind of document.</source>
        <translation>Resident ID numbers never start with 9; numbers starting with 9 are foreign permanent resident IDs. Check the number, or choose that kind of document.</translation>
    </message>
    <message>
        <source>A residence permit number for Hong Kong, Macau or Taiwan residents starts with 810000, 820000 or 830000. Check the number, or choose Resident ID for a mainland card.</source>
        <translation>A residence permit number for Hong Kong, Macau or Taiwan residents starts with 810000, 820000 or 830000. Check the number, or choose Resident ID for a mainland card.</translation>
    </message>
    <message>
        <source>The second character of a Taiwan ID number is 1, 2, 8 or 9: check the number on the card.</source>
        <translation>The second character of a Taiwan ID number is 1, 2, 8 or 9: check the number on the card.</translation>
    </message>
    <message>
        <source>The birth date inside this number is not a real date: check the number on the card.</source>
        <translation>The birth date inside this number is not a real date: check the number on the card.</translation>
    </message>
    <message>
        <source>The birth date inside this number is in the future: check the number on the card.</source>
        <translation>The birth date inside this number is in the future: check the number on the card.</translation>
    </message>
    <message>
        <source>The birth date inside this number is more than {years} years ago: check the number on the card.</source>
        <translation>The birth date inside this number is more than {years} years ago: check the number on the card.</translation>
    </message>
    <message>
        <source>Type a phone number.</source>
        <translation>Type a phone number.</translation>
    </message>
    <message>
        <source>A phone number has only digits: remove the letters (write an extension in the notes).</source>
        <translation>A phone number has only digits: remove the letters (write an extension in the notes).</translation>
    </message>
    <message>
        <source>A phone number has only digits, spaces, hyphens, brackets and a + in front: remove the other characters.</source>
        <translation>A phone number has only digits, spaces, hyphens, brackets and a + in front: remove the other characters.</translation>
    </message>
    <message>
        <source>This phone number is too short: type all of its digits, with the area code for a landline.</source>
        <translation>This phone number is too short: type all of its digits, with the area code for a landline.</translation>
    </message>
    <message>
        <source>This phone number is too long: check the digits, and type only one number.</source>
        <translation>This phone number is too long: check the digits, and type only one number.</translation>
    </message>
    <message>
        <source>No country uses the code after the +: check it, or leave out the + for a number in this country.</source>
        <translation>No country uses the code after the +: check it, or leave out the + for a number in this country.</translation>
    </message>
    <message>
        <source>This is not a valid phone number for China: check the digits; for another country type + and its country code.</source>
        <translation>This is not a valid phone number for China: check the digits; for another country type + and its country code.</translation>
    </message>
    <message>
        <source>This is not a valid phone number in the clinic&apos;s region ({region}): check the digits; for another country type + and its country code.</source>
        <translation>This is not a valid phone number in the clinic&apos;s region ({region}): check the digits; for another country type + and its country code.</translation>
    </message>
    <message>
        <source>This is not a valid phone number for country code +{code}: check the digits and the country code.</source>
        <translation>This is not a valid phone number for country code +{code}: check the digits and the country code.</translation>
    </message>
    <message>
        <source>The ICD-10 code “{code}” is not in the right form: it is a letter and two digits, then optionally a dot and up to four letters or digits, for example J06.9 or I10. Check it and type it again, or leave it empty.</source>
        <translation>The ICD-10 code “{code}” is not in the right form: it is a letter and two digits, then optionally a dot and up to four letters or digits, for example J06.9 or I10. Check it and type it again, or leave it empty.</translation>
    </message>
    <message>
        <source>The drug interaction table {path} cannot be used: {problem}. Prescriptions cannot be checked until the file is corrected or restored from the ClinicDesk installation.</source>
        <translation>The drug interaction table {path} cannot be used: {problem}. Prescriptions cannot be checked until the file is corrected or restored from the ClinicDesk installation.</translation>
    </message>
    <message>
        <source>The upper (systolic) blood pressure “{text}” is not a whole number: type it in mmHg, for example 120.</source>
        <translation>The upper (systolic) blood pressure “{text}” is not a whole number: type it in mmHg, for example 120.</translation>
    </message>
    <message>
        <source>An upper (systolic) blood pressure of {value} mmHg is not possible: measure again and type the new reading.</source>
        <translation>An upper (systolic) blood pressure of {value} mmHg is not possible: measure again and type the new reading.</translation>
    </message>
    <message>
        <source>Upper (systolic) blood pressure {value} mmHg is unusual. Record it anyway?</source>
        <translation>Upper (systolic) blood pressure {value} mmHg is unusual. Record it anyway?</translation>
    </message>
    <message>
        <source>The lower (diastolic) blood pressure “{text}” is not a whole number: type it in mmHg, for example 80.</source>
        <translation>The lower (diastolic) blood pressure “{text}” is not a whole number: type it in mmHg, for example 80.</translation>
    </message>
    <message>
        <source>A lower (diastolic) blood pressure of {value} mmHg is not possible: measure again and type the new reading.</source>
        <translation>A lower (diastolic) blood pressure of {value} mmHg is not possible: measure again and type the new reading.</translation>
    </message>
    <message>
        <source>Lower (diastolic) blood pressure {value} mmHg is unusual. Record it anyway?</source>
        <translation>Lower (diastolic) blood pressure {value} mmHg is unusual. Record it anyway?</translation>
    </message>
    <message>
        <source>The pulse “{text}” is not a whole number: type the beats per minute, for example 72.</source>
        <translation>The pulse “{text}” is not a whole number: type the beats per minute, for example 72.</translation>
    </message>
    <message>
        <source>A pulse of {value} per minute is not possible: count again for a full minute and type it again.</source>
        <translation>A pulse of {value} per minute is not possible: count again for a full minute and type it again.</translation>
    </message>
    <message>
        <source>Pulse {value} per minute is unusual. Record it anyway?</source>
        <translation>Pulse {value} per minute is unusual. Record it anyway?</translation>
    </message>
    <message>
        <source>The temperature “{text}” is not a number: type it in °C, for example 36.8.</source>
        <translation>The temperature “{text}” is not a number: type it in °C, for example 36.8.</translation>
    </message>
    <message>
        <source>Temperature {value} °C is not possible for a living person: check the thermometer reading and type it again.</source>
        <translation>Temperature {value} °C is not possible for a living person: check the thermometer reading and type it again.</translation>
    </message>
    <message>
        <source>Temperature {value} °C is unusual. Record it anyway?</source>
        <translation>Temperature {value} °C is unusual. Record it anyway?</translation>
    </message>
    <message>
        <source>The weight “{text}” is not a number: type it in kg, for example 65.5.</source>
        <translation>The weight “{text}” is not a number: type it in kg, for example 65.5.</translation>
    </message>
    <message>
        <source>A weight of {value} kg is not possible: check the scale reading and that it is in kg (not jin or pounds), then type it again.</source>
        <translation>A weight of {value} kg is not possible: check the scale reading and that it is in kg (not jin or pounds), then type it again.</translation>
    </message>
    <message>
        <source>Weight {value} kg is unusual. Record it anyway?</source>
        <translation>Weight {value} kg is unusual. Record it anyway?</translation>
    </message>
    <message>
        <source>The height “{text}” is not a number: type it in cm, for example 170.</source>
        <translation>The height “{text}” is not a number: type it in cm, for example 170.</translation>
    </message>
    <message>
        <source>A height of {value} cm is not possible: check that it is in cm (not metres), then type it again.</source>
        <translation>A height of {value} cm is not possible: check that it is in cm (not metres), then type it again.</translation>
    </message>
    <message>
        <source>Height {value} cm is unusual. Record it anyway?</source>
        <translation>Height {value} cm is unusual. Record it anyway?</translation>
    </message>
    <message>
        <source>The oxygen saturation “{text}” is not a whole number: type the percentage, for example 98.</source>
        <translation>The oxygen saturation “{text}” is not a whole number: type the percentage, for example 98.</translation>
    </message>
    <message>
        <source>An oxygen saturation of {value}% is not possible (it is at most 100%): check the oximeter reading and type it again.</source>
        <translation>An oxygen saturation of {value}% is not possible (it is at most 100%): check the oximeter reading and type it again.</translation>
    </message>
    <message>
        <source>Oxygen saturation {value}% is unusual. Record it anyway?</source>
        <translation>Oxygen saturation {value}% is unusual. Record it anyway?</translation>
    </message>
    <message>
        <source>The breathing rate “{text}” is not a whole number: type the breaths per minute, for example 16.</source>
        <translation>The breathing rate “{text}” is not a whole number: type the breaths per minute, for example 16.</translation>
    </message>
    <message>
        <source>A breathing rate of {value} per minute is not possible: count again for a full minute and type it again.</source>
        <translation>A breathing rate of {value} per minute is not possible: count again for a full minute and type it again.</translation>
    </message>
    <message>
        <source>Breathing rate {value} per minute is unusual. Record it anyway?</source>
        <translation>Breathing rate {value} per minute is unusual. Record it anyway?</translation>
    </message>
    <message>
        <source>The blood glucose “{text}” is not a number: type it in mmol/L, for example 5.6.</source>
        <translation>The blood glucose “{text}” is not a number: type it in mmol/L, for example 5.6.</translation>
    </message>
    <message>
        <source>A blood glucose of {value} mmol/L is not possible: check the meter reading and that it is in mmol/L (not mg/dL), then type it again.</source>
        <translation>A blood glucose of {value} mmol/L is not possible: check the meter reading and that it is in mmol/L (not mg/dL), then type it again.</translation>
    </message>
    <message>
        <source>Blood glucose {value} mmol/L is unusual. Record it anyway?</source>
        <translation>Blood glucose {value} mmol/L is unusual. Record it anyway?</translation>
    </message>
    <message>
        <source>The upper (systolic) blood pressure {systolic} must be higher than the lower (diastolic) {diastolic}: check that they are not swapped, then type them again.</source>
        <translation>The upper (systolic) blood pressure {systolic} must be higher than the lower (diastolic) {diastolic}: check that they are not swapped, then type them again.</translation>
    </message>
    <message>
        <source>A blood pressure needs both numbers, upper and lower, for example 120/80. Type the missing one, or clear both.</source>
        <translation>A blood pressure needs both numbers, upper and lower, for example 120/80. Type the missing one, or clear both.</translation>
    </message>
    <message>
        <source>The blood pressure “{text}” is not in the right form: type the upper and lower numbers with a slash between them, for example 120/80.</source>
        <translation>The blood pressure “{text}” is not in the right form: type the upper and lower numbers with a slash between them, for example 120/80.</translation>
    </message>
    <message>
        <source>“{name}” is not a vital sign that can be confirmed.</source>
        <translation>“{name}” is not a vital sign that can be confirmed.</translation>
    </message>
    <message>
        <source>Some readings are outside the usual range. Check them; if they are right, confirm them to record them anyway.</source>
        <translation>Some readings are outside the usual range. Check them; if they are right, confirm them to record them anyway.</translation>
    </message>
    <message>
        <source>This file cannot be imported: choose a CSV file (.csv) or an Excel workbook (.xlsx).</source>
        <translation>This file cannot be imported: choose a CSV file (.csv) or an Excel workbook (.xlsx).</translation>
    </message>
    <message>
        <source>This is an old-style Excel file (.xls). In Excel, use Save As and choose &apos;Excel Workbook (*.xlsx)&apos; or &apos;CSV UTF-8&apos;, then import that file.</source>
        <translation>This is an old-style Excel file (.xls). In Excel, use Save As and choose &apos;Excel Workbook (*.xlsx)&apos; or &apos;CSV UTF-8&apos;, then import that file.</translation>
    </message>
    <message>
        <source>This file is not a readable Excel workbook (it may be damaged or of another kind). Open it in Excel, save it again as .xlsx or as CSV UTF-8, then import that file.</source>
        <translation>This file is not a readable Excel workbook (it may be damaged or of another kind). Open it in Excel, save it again as .xlsx or as CSV UTF-8, then import that file.</translation>
    </message>
    <message>
        <source>The file is empty: there are no patients in it to import.</source>
        <translation>The file is empty: there are no patients in it to import.</translation>
    </message>
    <message>
        <source>There is no file to import at that place (it may have been moved, renamed or deleted). Choose the file again.</source>
        <translation>There is no file to import at that place (it may have been moved, renamed or deleted). Choose the file again.</translation>
    </message>
    <message>
        <source>The file has a header row but no patients under it. Check that you chose the right file (and the right sheet).</source>
        <translation>The file has a header row but no patients under it. Check that you chose the right file (and the right sheet).</translation>
    </message>
    <message>
        <source>The file is too large to import ({megabytes} MB; at most {limit} MB). Split it into smaller files and import them one after another.</source>
        <translation>The file is too large to import ({megabytes} MB; at most {limit} MB). Split it into smaller files and import them one after another.</translation>
    </message>
    <message>
        <source>The file has more than {limit} rows, more than one import can take. Split it into smaller files and import them one after another.</source>
        <translation>The file has more than {limit} rows, more than one import can take. Split it into smaller files and import them one after another.</translation>
    </message>
    <message>
        <source>This file is not plain text (it may be saved as UTF-16 without a byte-order mark, or be no table at all). In Excel, save it as &apos;CSV UTF-8 (comma delimited)&apos; or as .xlsx and import that file.</source>
        <translation>This file is not plain text (it may be saved as UTF-16 without a byte-order mark, or be no table at all). In Excel, save it as &apos;CSV UTF-8 (comma delimited)&apos; or as .xlsx and import that file.</translation>
    </message>
    <message>
        <source>The file&apos;s characters cannot be read: it is neither UTF-8 nor GBK/GB18030 text. In Excel, save it again as &apos;CSV UTF-8 (comma delimited)&apos; and import that file.</source>
        <translation>The file&apos;s characters cannot be read: it is neither UTF-8 nor GBK/GB18030 text. In Excel, save it again as &apos;CSV UTF-8 (comma delimited)&apos; and import that file.</translation>
    </message>
    <message>
        <source>The workbook has no sheet named {sheet}. Its sheets are: {sheets}.</source>
        <translation>The workbook has no sheet named {sheet}. Its sheets are: {sheets}.</translation>
    </message>
    <message>
        <source>The file has no column for the patient&apos;s name, so nothing was imported. Columns found: {headers}. Name a column 姓名 (or 姓 and 名), or choose which column holds the name.</source>
        <translation>The file has no column for the patient&apos;s name, so nothing was imported. Columns found: {headers}. Name a column 姓名 (or 姓 and 名), or choose which column holds the name.</translation>
    </message>
    <message>
        <source>&apos;{field}&apos; is not a patient field that can be imported. Use one of: {fields}.</source>
        <translation>&apos;{field}&apos; is not a patient field that can be imported. Use one of: {fields}.</translation>
    </message>
    <message>
        <source>The file has no column &apos;{header}&apos;. Columns found: {headers}.</source>
        <translation>The file has no column &apos;{header}&apos;. Columns found: {headers}.</translation>
    </message>
    <message>
        <source>Excel stored this number as a number and lost its last digits. In Excel, format the column as Text, type the numbers again (or import the original list) and import again.</source>
        <translation>Excel stored this number as a number and lost its last digits. In Excel, format the column as Text, type the numbers again (or import the original list) and import again.</translation>
    </message>
    <message>
        <source>This date could be day/month or month/day. Write dates as year-month-day, for example 1985-03-12.</source>
        <translation>This date could be day/month or month/day. Write dates as year-month-day, for example 1985-03-12.</translation>
    </message>
    <message>
        <source>This is not a date ClinicDesk can read. Write dates as year-month-day, for example 1985-03-12 or 1985年3月12日.</source>
        <translation>This is not a date ClinicDesk can read. Write dates as year-month-day, for example 1985-03-12 or 1985年3月12日.</translation>
    </message>
    <message>
        <source>This date does not exist (check the month and the day).</source>
        <translation>This date does not exist (check the month and the day).</translation>
    </message>
    <message>
        <source>Write the sex as 男 or 女 (or M or F); leave it empty if it is not known.</source>
        <translation>Write the sex as 男 or 女 (or M or F); leave it empty if it is not known.</translation>
    </message>
    <message>
        <source>This ID type is not one ClinicDesk knows: write 身份证, 护照, 回乡证, 台胞证, 香港身份证, 澳门身份证, 台湾身份证, 居住证 or 永久居留证, or leave it empty.</source>
        <translation>This ID type is not one ClinicDesk knows: write 身份证, 护照, 回乡证, 台胞证, 香港身份证, 澳门身份证, 台湾身份证, 居住证 or 永久居留证, or leave it empty.</translation>
    </message>
    <message>
        <source>The kind of document cannot be told from this number. Add an ID type column (证件类型) saying, for example, 身份证 or 护照.</source>
        <translation>The kind of document cannot be told from this number. Add an ID type column (证件类型) saying, for example, 身份证 or 护照.</translation>
    </message>
    <message>
        <source>A name is made of letters: remove the emoji or other symbols from it and import again.</source>
        <translation>A name is made of letters: remove the emoji or other symbols from it and import again.</translation>
    </message>
    <message>
        <source>The name has no letters in it. Type the patient&apos;s name.</source>
        <translation>The name has no letters in it. Type the patient&apos;s name.</translation>
    </message>
    <message>
        <source>This patient is already in row {row} of the file (same ID number, or same name, birth date and phone). Remove one of the two rows.</source>
        <translation>This patient is already in row {row} of the file (same ID number, or same name, birth date and phone). Remove one of the two rows.</translation>
    </message>
    <message>
        <source>This prescription has {count} serious warning(s): a major interaction or an allergy. Nothing was saved. Read the warnings; to prescribe anyway, confirm them and give the reason.</source>
        <translation>This prescription has {count} serious warning(s): a major interaction or an allergy. Nothing was saved. Read the warnings; to prescribe anyway, confirm them and give the reason.</translation>
    </message>
    <message>
        <source>The {label} is too long: use at most {n} characters.</source>
        <translation>The {label} is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>Line {line}: the {label} is too long: use at most {n} characters.</source>
        <translation>Line {line}: the {label} is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>Line {line}: the {label} should be text.</source>
        <translation>Line {line}: the {label} should be text.</translation>
    </message>
    <message>
        <source>Line {line}: the drug name is empty. Type the drug, or remove the line.</source>
        <translation>Line {line}: the drug name is empty. Type the drug, or remove the line.</translation>
    </message>
    <message>
        <source>Line {line}: choose how the drug is given (route).</source>
        <translation>Line {line}: choose how the drug is given (route).</translation>
    </message>
    <message>
        <source>Line {line}: choose how often the drug is taken.</source>
        <translation>Line {line}: choose how often the drug is taken.</translation>
    </message>
    <message>
        <source>Line {line}: choose when the drug is taken (before or after meals, at bedtime...).</source>
        <translation>Line {line}: choose when the drug is taken (before or after meals, at bedtime...).</translation>
    </message>
    <message>
        <source>Line {line}: the duration must be a whole number of days from {low} to {high}.</source>
        <translation>Line {line}: the duration must be a whole number of days from {low} to {high}.</translation>
    </message>
    <message>
        <source>The prescription has no drugs. Add at least one line.</source>
        <translation>The prescription has no drugs. Add at least one line.</translation>
    </message>
    <message>
        <source>The prescription has {count} lines; at most {n} are allowed. Split it into two prescriptions.</source>
        <translation>The prescription has {count} lines; at most {n} are allowed. Split it into two prescriptions.</translation>
    </message>
    <message>
        <source>prescription</source>
        <translation>prescription</translation>
    </message>
    <message>
        <source>Say why the prescription is cancelled.</source>
        <translation>Say why the prescription is cancelled.</translation>
    </message>
    <message>
        <source>This prescription was already cancelled on {when}.</source>
        <translation>This prescription was already cancelled on {when}.</translation>
    </message>
    <message>
        <source>The guidance is empty. Type what the patient was told.</source>
        <translation>The guidance is empty. Type what the patient was told.</translation>
    </message>
    <message>
        <source>This prescription was cancelled, so no guidance can be added to it.</source>
        <translation>This prescription was cancelled, so no guidance can be added to it.</translation>
    </message>
    <message>
        <source>The {label} should be text.</source>
        <translation>The {label} should be text.</translation>
    </message>
    <message>
        <source>The {label} is empty. Please fill it in.</source>
        <translation>The {label} is empty. Please fill it in.</translation>
    </message>
    <message>
        <source>Give both the start and the end time, or neither for the whole day.</source>
        <translation>Give both the start and the end time, or neither for the whole day.</translation>
    </message>
    <message>
        <source>A time of day should be between 00:00 and 24:00 (0 to 1440 minutes).</source>
        <translation>A time of day should be between 00:00 and 24:00 (0 to 1440 minutes).</translation>
    </message>
    <message>
        <source>The absence ends before or when it starts. Give an end after the start, or neither for the whole day.</source>
        <translation>The absence ends before or when it starts. Give an end after the start, or neither for the whole day.</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>doctor</translation>
    </message>
    <message>
        <source>A doctor records their own absence. Ask the desk or the director to record a colleague&apos;s.</source>
        <translation>A doctor records their own absence. Ask the desk or the director to record a colleague&apos;s.</translation>
    </message>
    <message>
        <source>The {label} should be a calendar date.</source>
        <translation>The {label} should be a calendar date.</translation>
    </message>
    <message>
        <source>{day} has already passed. An absence is recorded for today or a later day.</source>
        <translation>{day} has already passed. An absence is recorded for today or a later day.</translation>
    </message>
    <message>
        <source>A doctor cannot stand in for themselves. Choose another one.</source>
        <translation>A doctor cannot stand in for themselves. Choose another one.</translation>
    </message>
    <message>
        <source>{name} cannot take appointments, so cannot stand in. Choose another doctor.</source>
        <translation>{name} cannot take appointments, so cannot stand in. Choose another doctor.</translation>
    </message>
    <message>
        <source>An absence of {name} on {day} is already recorded. Open its list of patients instead of recording it again.</source>
        <translation>An absence of {name} on {day} is already recorded. Open its list of patients instead of recording it again.</translation>
    </message>
    <message>
        <source>absence</source>
        <translation>absence</translation>
    </message>
    <message>
        <source>Choose how the call went: contacted, moved, cancelled, unreachable or kept.</source>
        <translation>Choose how the call went: contacted, moved, cancelled, unreachable or kept.</translation>
    </message>
    <message>
        <source>patient to contact</source>
        <translation>patient to contact</translation>
    </message>
    <message>
        <source>This patient&apos;s appointment was already {status}. Change it on the calendar if needed.</source>
        <translation>This patient&apos;s appointment was already {status}. Change it on the calendar if needed.</translation>
    </message>
    <message>
        <source>Give the new time or the new doctor the patient agreed to, then save.</source>
        <translation>Give the new time or the new doctor the patient agreed to, then save.</translation>
    </message>
    <message>
        <source>Choose the urgency: routine, urgent or emergency.</source>
        <translation>Choose the urgency: routine, urgent or emergency.</translation>
    </message>
    <message>
        <source>This prescription was cancelled, so it has no medication card. Choose a current prescription.</source>
        <translation>This prescription was cancelled, so it has no medication card. Choose a current prescription.</translation>
    </message>
    <message>
        <source>This appointment was cancelled or missed, so there is no slip to print. Book a new appointment first.</source>
        <translation>This appointment was cancelled or missed, so there is no slip to print. Book a new appointment first.</translation>
    </message>
    <message>
        <source>This membership was cancelled, so it has no card to print. Enrol the member again to print a new card.</source>
        <translation>This membership was cancelled, so it has no card to print. Enrol the member again to print a new card.</translation>
    </message>
    <message>
        <source>This membership ended on {day}; renew it before printing a card.</source>
        <translation>This membership ended on {day}; renew it before printing a card.</translation>
    </message>
    <message>
        <source>This person is not a current member of this membership, so it has no card for them. Add them to it first, or print their own membership&apos;s card.</source>
        <translation>This person is not a current member of this membership, so it has no card for them. Add them to it first, or print their own membership&apos;s card.</translation>
    </message>
    <message>
        <source>That call was made to another patient. Print the form from the call itself.</source>
        <translation>That call was made to another patient. Print the form from the call itself.</translation>
    </message>
    <message>
        <source>referral</source>
        <translation>referral</translation>
    </message>
    <message>
        <source>Attach at most {n} reports to a referral.</source>
        <translation>Attach at most {n} reports to a referral.</translation>
    </message>
    <message>
        <source>attached report</source>
        <translation>attached report</translation>
    </message>
    <message>
        <source>No reading was typed. Type at least one vital sign.</source>
        <translation>No reading was typed. Type at least one vital sign.</translation>
    </message>
    <message>
        <source>This is not a date: type it as year-month-day, e.g. 1985-03-12.</source>
        <translation>This is not a date: type it as year-month-day, e.g. 1985-03-12.</translation>
    </message>
    <message>
        <source>No file was chosen. Press “Choose…” and pick the file.</source>
        <translation>No file was chosen. Press “Choose…” and pick the file.</translation>
    </message>
    <message>
        <source>The file {name} could not be read ({problem}). Check that it is still there and not open in another program, then try again.</source>
        <translation>The file {name} could not be read ({problem}). Check that it is still there and not open in another program, then try again.</translation>
    </message>
    <message>
        <source>The copy could not be saved to {path} ({problem}). Choose another folder, for example Documents, then try again.</source>
        <translation>The copy could not be saved to {path} ({problem}). Choose another folder, for example Documents, then try again.</translation>
    </message>
    <message>
        <source>There is no holiday calendar called {calendar}. Choose CN (mainland China), HK (Hong Kong), TW (Taiwan) or none.</source>
        <translation>There is no holiday calendar called {calendar}. Choose CN (mainland China), HK (Hong Kong), TW (Taiwan) or none.</translation>
    </message>
    <message>
        <source>Choose how often the appointment repeats: daily, weekly or monthly.</source>
        <translation>Choose how often the appointment repeats: daily, weekly or monthly.</translation>
    </message>
    <message>
        <source>The repeat interval should be a whole number.</source>
        <translation>The repeat interval should be a whole number.</translation>
    </message>
    <message>
        <source>The repeat interval should be between 1 and {top} ({frequency}); {interval} is not possible.</source>
        <translation>The repeat interval should be between 1 and {top} ({frequency}); {interval} is not possible.</translation>
    </message>
    <message>
        <source>Weekdays can only be chosen for a weekly repeat. Clear them, or choose weekly.</source>
        <translation>Weekdays can only be chosen for a weekly repeat. Clear them, or choose weekly.</translation>
    </message>
    <message>
        <source>A weekday should be 0 (Monday) to 6 (Sunday). Choose the days again.</source>
        <translation>A weekday should be 0 (Monday) to 6 (Sunday). Choose the days again.</translation>
    </message>
    <message>
        <source>The series ends ({until}) before its first day ({first}). Choose an end date on or after the first day.</source>
        <translation>The series ends ({until}) before its first day ({first}). Choose an end date on or after the first day.</translation>
    </message>
    <message>
        <source>The number of appointments should be at least 1, or leave it empty for a series without a fixed number.</source>
        <translation>The number of appointments should be at least 1, or leave it empty for a series without a fixed number.</translation>
    </message>
    <message>
        <source>A series can have at most {limit} appointments; {count} were asked for. Choose fewer, or an end date.</source>
        <translation>A series can have at most {limit} appointments; {count} were asked for. Choose fewer, or an end date.</translation>
    </message>
    <message>
        <source>Up to {until} this series would have more than {limit} appointments. Choose an earlier end date or a longer interval.</source>
        <translation>Up to {until} this series would have more than {limit} appointments. Choose an earlier end date or a longer interval.</translation>
    </message>
    <message>
        <source>The {label} should be a date.</source>
        <translation>The {label} should be a date.</translation>
    </message>
    <message>
        <source>The last day ({last}) is before the first day ({first}). Choose the period again.</source>
        <translation>The last day ({last}) is before the first day ({first}). Choose the period again.</translation>
    </message>
    <message>
        <source>Choose a period of at most {n} days for the statistics.</source>
        <translation>Choose a period of at most {n} days for the statistics.</translation>
    </message>
    <message>
        <source>Group the statistics by day, doctor, channel or appointment type.</source>
        <translation>Group the statistics by day, doctor, channel or appointment type.</translation>
    </message>
    <message>
        <source>Choose the month as a year and a month number.</source>
        <translation>Choose the month as a year and a month number.</translation>
    </message>
    <message>
        <source>There is no month {month} of {year} to summarise. Choose a month between 1 and 12 of a year from 2000.</source>
        <translation>There is no month {month} of {year} to summarise. Choose a month between 1 and 12 of a year from 2000.</translation>
    </message>
    <message>
        <source>The series cannot be booked on {dates}. Nothing was saved. Skip these dates, choose another time or doctor, or confirm where that is allowed.</source>
        <translation>The series cannot be booked on {dates}. Nothing was saved. Skip these dates, choose another time or doctor, or confirm where that is allowed.</translation>
    </message>
    <message>
        <source>The start time should be minutes after midnight.</source>
        <translation>The start time should be minutes after midnight.</translation>
    </message>
    <message>
        <source>The start time should be between 00:00 and 23:59.</source>
        <translation>The start time should be between 00:00 and 23:59.</translation>
    </message>
    <message>
        <source>Each appointment should last between {low} and {high} minutes.</source>
        <translation>Each appointment should last between {low} and {high} minutes.</translation>
    </message>
    <message>
        <source>Each appointment would run past midnight. End it by 24:00, or start earlier.</source>
        <translation>Each appointment would run past midnight. End it by 24:00, or start earlier.</translation>
    </message>
    <message>
        <source>A series can only confirm &apos;outside working hours&apos; and &apos;patient already booked&apos;; skip the other dates instead.</source>
        <translation>A series can only confirm &apos;outside working hours&apos; and &apos;patient already booked&apos;; skip the other dates instead.</translation>
    </message>
    <message>
        <source>Moving after the booking cutoff needs the director; move this appointment from the calendar as the director, with a reason.</source>
        <translation>Moving after the booking cutoff needs the director; move this appointment from the calendar as the director, with a reason.</translation>
    </message>
    <message>
        <source>Too many days to skip: at most {n}.</source>
        <translation>Too many days to skip: at most {n}.</translation>
    </message>
    <message>
        <source>{name} cannot take appointments. Choose another doctor.</source>
        <translation>{name} cannot take appointments. Choose another doctor.</translation>
    </message>
    <message>
        <source>Choose whether closed days are skipped or booked and flagged.</source>
        <translation>Choose whether closed days are skipped or booked and flagged.</translation>
    </message>
    <message>
        <source>The first day ({day}) has passed. Start the series today or later.</source>
        <translation>The first day ({day}) has passed. Start the series today or later.</translation>
    </message>
    <message>
        <source>This series has no day left to book (all skipped or closed). Choose other days.</source>
        <translation>This series has no day left to book (all skipped or closed). Choose other days.</translation>
    </message>
    <message>
        <source>This appointment is not part of a series. Change it on its own.</source>
        <translation>This appointment is not part of a series. Change it on its own.</translation>
    </message>
    <message>
        <source>appointment series</source>
        <translation>appointment series</translation>
    </message>
    <message>
        <source>Choose what to change: this appointment, this and the following ones, or all.</source>
        <translation>Choose what to change: this appointment, this and the following ones, or all.</translation>
    </message>
    <message>
        <source>Weekdays belong to the whole series. Change this and the following appointments, or all, to change them.</source>
        <translation>Weekdays belong to the whole series. Change this and the following appointments, or all, to change them.</translation>
    </message>
    <message>
        <source>The priority should be a whole number from 0 to {top} (higher first).</source>
        <translation>The priority should be a whole number from 0 to {top} (higher first).</translation>
    </message>
    <message>
        <source>The earliest and latest days should be dates.</source>
        <translation>The earliest and latest days should be dates.</translation>
    </message>
    <message>
        <source>The latest day ({latest}) is before the earliest day ({earliest}). Swap them or choose again.</source>
        <translation>The latest day ({latest}) is before the earliest day ({earliest}). Swap them or choose again.</translation>
    </message>
    <message>
        <source>The latest day ({latest}) has already passed. Choose a day from today on.</source>
        <translation>The latest day ({latest}) has already passed. Choose a day from today on.</translation>
    </message>
    <message>
        <source>waitlist entry</source>
        <translation>waitlist entry</translation>
    </message>
    <message>
        <source>The slot&apos;s start time needs a time zone.</source>
        <translation>The slot&apos;s start time needs a time zone.</translation>
    </message>
    <message>
        <source>The slot&apos;s length should be between 1 minute and 24 hours.</source>
        <translation>The slot&apos;s length should be between 1 minute and 24 hours.</translation>
    </message>
    <message>
        <source>This record was merged into another one. Use the record it was merged into.</source>
        <translation>This record was merged into another one. Use the record it was merged into.</translation>
    </message>
    <message>
        <source>That appointment belongs to another patient. Choose this patient&apos;s own appointment, or none.</source>
        <translation>That appointment belongs to another patient. Choose this patient&apos;s own appointment, or none.</translation>
    </message>
    <message>
        <source>That appointment is no longer booked, so there is nothing to move earlier. Add the patient without it.</source>
        <translation>That appointment is no longer booked, so there is nothing to move earlier. Add the patient without it.</translation>
    </message>
    <message>
        <source>This patient is already on the list for this doctor. Change that entry instead of adding another.</source>
        <translation>This patient is already on the list for this doctor. Change that entry instead of adding another.</translation>
    </message>
    <message>
        <source>This waitlist entry is already {status}, so it cannot be changed that way. Refresh the list.</source>
        <translation>This waitlist entry is already {status}, so it cannot be changed that way. Refresh the list.</translation>
    </message>
    <message>
        <source>That appointment belongs to another patient. Choose the new appointment of this patient.</source>
        <translation>That appointment belongs to another patient. Choose the new appointment of this patient.</translation>
    </message>
    <message>
        <source>Say why the patient is taken off the list (for example: not needed).</source>
        <translation>Say why the patient is taken off the list (for example: not needed).</translation>
    </message>
    <message>
        <source>This patient is already checked in, with queue number {queue_no}. Find number {queue_no} on the board instead of checking in again.</source>
        <translation>This patient is already checked in, with queue number {queue_no}. Find number {queue_no} on the board instead of checking in again.</translation>
    </message>
    <message>
        <source>Nobody is waiting for this doctor right now. Patients appear in the queue as soon as the desk checks them in.</source>
        <translation>Nobody is waiting for this doctor right now. Patients appear in the queue as soon as the desk checks them in.</translation>
    </message>
    <message>
        <source>Number {number} is still waiting, so this step is not possible yet.</source>
        <translation>Number {number} is still waiting, so this step is not possible yet.</translation>
    </message>
    <message>
        <source>Number {number} has been called but the consultation has not started. Start it first, or call the number again.</source>
        <translation>Number {number} has been called but the consultation has not started. Start it first, or call the number again.</translation>
    </message>
    <message>
        <source>Number {number} is already in consultation. Refresh the queue to see where they are.</source>
        <translation>Number {number} is already in consultation. Refresh the queue to see where they are.</translation>
    </message>
    <message>
        <source>Number {number} was sent back to the desk. Put them back in the queue first.</source>
        <translation>Number {number} was sent back to the desk. Put them back in the queue first.</translation>
    </message>
    <message>
        <source>Number {number} has already finished. If they need to see a doctor again, check them in again as a walk-in.</source>
        <translation>Number {number} has already finished. If they need to see a doctor again, check them in again as a walk-in.</translation>
    </message>
    <message>
        <source>Number {number} was marked as gone. If they came back, put them back in the queue first.</source>
        <translation>Number {number} was marked as gone. If they came back, put them back in the queue first.</translation>
    </message>
    <message>
        <source>Choose what the patient comes for from the list.</source>
        <translation>Choose what the patient comes for from the list.</translation>
    </message>
    <message>
        <source>Check-in is real-name: look at the patient&apos;s identity document (or ask for name and ID number), then tick &quot;Identity checked&quot;.</source>
        <translation>Check-in is real-name: look at the patient&apos;s identity document (or ask for name and ID number), then tick &quot;Identity checked&quot;.</translation>
    </message>
    <message>
        <source>The arrival time {when} is in the future. Type when the patient came in, or leave it empty for now.</source>
        <translation>The arrival time {when} is in the future. Type when the patient came in, or leave it empty for now.</translation>
    </message>
    <message>
        <source>The arrival time {when} is more than {hours} hours ago. Check the date and the time of day.</source>
        <translation>The arrival time {when} is more than {hours} hours ago. Check the date and the time of day.</translation>
    </message>
    <message>
        <source>{name} does not see patients here (account disabled or not a doctor). Choose another doctor.</source>
        <translation>{name} does not see patients here (account disabled or not a doctor). Choose another doctor.</translation>
    </message>
    <message>
        <source>queue entry</source>
        <translation>queue entry</translation>
    </message>
    <message>
        <source>Choose a day on the calendar.</source>
        <translation>Choose a day on the calendar.</translation>
    </message>
    <message>
        <source>Choose the appointment or the patient to check in, one of the two.</source>
        <translation>Choose the appointment or the patient to check in, one of the two.</translation>
    </message>
    <message>
        <source>This appointment is for {day} at {time}, not today. Check the patient in for today anyway?</source>
        <translation>This appointment is for {day} at {time}, not today. Check the patient in for today anyway?</translation>
    </message>
    <message>
        <source>This appointment was cancelled. Book a new one, or check the patient in as a walk-in.</source>
        <translation>This appointment was cancelled. Book a new one, or check the patient in as a walk-in.</translation>
    </message>
    <message>
        <source>This appointment was marked as a no-show. Check the patient in as a walk-in, or book a new appointment.</source>
        <translation>This appointment was marked as a no-show. Check the patient in as a walk-in, or book a new appointment.</translation>
    </message>
    <message>
        <source>This appointment is already {status} on the calendar. If the patient needs to see a doctor again, check them in as a walk-in.</source>
        <translation>This appointment is already {status} on the calendar. If the patient needs to see a doctor again, check them in as a walk-in.</translation>
    </message>
    <message>
        <source>Tick what was done for the waiting patient (at least one).</source>
        <translation>Tick what was done for the waiting patient (at least one).</translation>
    </message>
    <message>
        <source>Choose what was done from the list.</source>
        <translation>Choose what was done from the list.</translation>
    </message>
    <message>
        <source>Say in the note what &quot;Other&quot; was.</source>
        <translation>Say in the note what &quot;Other&quot; was.</translation>
    </message>
    <message>
        <source>Choose the doctor whose queue this is.</source>
        <translation>Choose the doctor whose queue this is.</translation>
    </message>
    <message>
        <source>Choose why the patient goes back to the desk.</source>
        <translation>Choose why the patient goes back to the desk.</translation>
    </message>
    <message>
        <source>This workstation already syncs through {hub}. Nothing was changed.</source>
        <translation>This workstation already syncs through {hub}. Nothing was changed.</translation>
    </message>
    <message>
        <source>Joining needs the clinic director&apos;s sign-in: {login} is not a director of this clinic, or the password is wrong. Nothing was set up on this computer.</source>
        <translation>Joining needs the clinic director&apos;s sign-in: {login} is not a director of this clinic, or the password is wrong. Nothing was set up on this computer.</translation>
    </message>
    <message>
        <source>Give this workstation a name people recognise, such as &quot;Front desk&quot; or &quot;Dr Wang&apos;s room&quot;.</source>
        <translation>Give this workstation a name people recognise, such as &quot;Front desk&quot; or &quot;Dr Wang&apos;s room&quot;.</translation>
    </message>
    <message>
        <source>This is the workstation you are using. Remove it from another enrolled workstation.</source>
        <translation>This is the workstation you are using. Remove it from another enrolled workstation.</translation>
    </message>
    <message>
        <source>This conflict was already settled, here or at another workstation.</source>
        <translation>This conflict was already settled, here or at another workstation.</translation>
    </message>
    <message>
        <source>This value cannot be written back here; change the record itself.</source>
        <translation>This value cannot be written back here; change the record itself.</translation>
    </message>
    <message>
        <source>This computer&apos;s clock is {minutes} minutes off the hub&apos;s (more than the {limit} allowed), so sync is paused: changes dated wrongly would overwrite newer ones. Set the computer&apos;s date and time (or turn on automatic time) and sync again.</source>
        <translation>This computer&apos;s clock is {minutes} minutes off the hub&apos;s (more than the {limit} allowed), so sync is paused: changes dated wrongly would overwrite newer ones. Set the computer&apos;s date and time (or turn on automatic time) and sync again.</translation>
    </message>
    <message>
        <source>Another workstation runs a newer ClinicDesk and sent changes this version cannot read. Sync stopped before them; update ClinicDesk on this computer.</source>
        <translation>Another workstation runs a newer ClinicDesk and sent changes this version cannot read. Sync stopped before them; update ClinicDesk on this computer.</translation>
    </message>
    <message>
        <source>A change from workstation {device} cannot be used ({detail}). Sync stopped before it so nothing is applied out of order; tell whoever looks after ClinicDesk.</source>
        <translation>A change from workstation {device} cannot be used ({detail}). Sync stopped before it so nothing is applied out of order; tell whoever looks after ClinicDesk.</translation>
    </message>
    <message>
        <source>This workstation does not sync: it works on its own. The director can set up sync in Settings → Sync.</source>
        <translation>This workstation does not sync: it works on its own. The director can set up sync in Settings → Sync.</translation>
    </message>
    <message>
        <source>The sync hub refused the request: {detail}</source>
        <translation>The sync hub refused the request: {detail}</translation>
    </message>
    <message>
        <source>The sync hub cannot be reached ({detail}). Work goes on here and is kept; it is sent when the hub can be reached again. If this lasts, ask whoever looks after the clinic&apos;s network.</source>
        <translation>The sync hub cannot be reached ({detail}). Work goes on here and is kept; it is sent when the hub can be reached again. If this lasts, ask whoever looks after the clinic&apos;s network.</translation>
    </message>
    <message>
        <source>The hub address is not a PostgreSQL address ({detail}). It looks like postgresql://user:password@host:5432/database.</source>
        <translation>The hub address is not a PostgreSQL address ({detail}). It looks like postgresql://user:password@host:5432/database.</translation>
    </message>
    <message>
        <source>This clinic already syncs through this hub. To add this computer, create a pairing code on a workstation that is already enrolled.</source>
        <translation>This clinic already syncs through this hub. To add this computer, create a pairing code on a workstation that is already enrolled.</translation>
    </message>
    <message>
        <source>The hub does not know this workstation (or its credentials changed). Enrol it again with a pairing code from an enrolled workstation.</source>
        <translation>The hub does not know this workstation (or its credentials changed). Enrol it again with a pairing code from an enrolled workstation.</translation>
    </message>
    <message>
        <source>This workstation was removed from the clinic&apos;s sync, so the hub refuses its changes. They are kept here; ask the director to enrol it again.</source>
        <translation>This workstation was removed from the clinic&apos;s sync, so the hub refuses its changes. They are kept here; ask the director to enrol it again.</translation>
    </message>
    <message>
        <source>Another workstation runs a newer ClinicDesk, so the hub refuses changes from this older one. Update ClinicDesk here; nothing made here is lost meanwhile.</source>
        <translation>Another workstation runs a newer ClinicDesk, so the hub refuses changes from this older one. Update ClinicDesk here; nothing made here is lost meanwhile.</translation>
    </message>
    <message>
        <source>The hub is missing some of this workstation&apos;s earlier changes ({detail}). Sync stopped so nothing is applied out of order; tell whoever looks after ClinicDesk.</source>
        <translation>The hub is missing some of this workstation&apos;s earlier changes ({detail}). Sync stopped so nothing is applied out of order; tell whoever looks after ClinicDesk.</translation>
    </message>
    <message>
        <source>This workstation was away longer than the hub keeps its log of changes. It needs a full copy from the hub: the director chooses Settings → Sync → Full resync…; nothing made here is lost.</source>
        <translation>This workstation was away longer than the hub keeps its log of changes. It needs a full copy from the hub: the director chooses Settings → Sync → Full resync…; nothing made here is lost.</translation>
    </message>
    <message>
        <source>That is not a pairing code: it has 20 letters and digits in four groups, like 7KQ2M-XW4PD-9RTZB-H3N6C. Check it on the enrolled workstation&apos;s screen.</source>
        <translation>That is not a pairing code: it has 20 letters and digits in four groups, like 7KQ2M-XW4PD-9RTZB-H3N6C. Check it on the enrolled workstation&apos;s screen.</translation>
    </message>
    <message>
        <source>The hub has no such pairing code: it was already used, it expired, or it was typed wrongly. Create a new one on an enrolled workstation.</source>
        <translation>The hub has no such pairing code: it was already used, it expired, or it was typed wrongly. Create a new one on an enrolled workstation.</translation>
    </message>
    <message>
        <source>Changes made here are still being sent, so a snapshot now would miss them. Try again in a minute.</source>
        <translation>Changes made here are still being sent, so a snapshot now would miss them. Try again in a minute.</translation>
    </message>
    <message>
        <source>The disk holding {folder} is full, so the batch file was not written and no message is marked exported. Free some space or choose another folder.</source>
        <translation>The disk holding {folder} is full, so the batch file was not written and no message is marked exported. Free some space or choose another folder.</translation>
    </message>
    <message>
        <source>ClinicDesk may not write in {folder}, so no message is marked exported. Choose a folder you can write to, such as Documents.</source>
        <translation>ClinicDesk may not write in {folder}, so no message is marked exported. Choose a folder you can write to, such as Documents.</translation>
    </message>
    <message>
        <source>The folder {folder} does not exist. Choose an existing folder.</source>
        <translation>The folder {folder} does not exist. Choose an existing folder.</translation>
    </message>
    <message>
        <source>The batch file could not be written in {folder} ({detail}). No message is marked exported; try another folder.</source>
        <translation>The batch file could not be written in {folder} ({detail}). No message is marked exported; try another folder.</translation>
    </message>
    <message>
        <source>{path} already exists; an earlier batch is not overwritten. Choose another name or folder.</source>
        <translation>{path} already exists; an earlier batch is not overwritten. Choose another name or folder.</translation>
    </message>
    <message>
        <source>The {what} has a lone {{ or }}. Write placeholders as a name in braces, like {{honorific}}, and type a brace as {{{{ or }}}}.</source>
        <translation>The {what} has a lone {{ or }}. Write placeholders as a name in braces, like {{honorific}}, and type a brace as {{{{ or }}}}.</translation>
    </message>
    <message>
        <source>Write the placeholder {{{name}}} plainly, without &apos;:&apos; or &apos;!&apos; after the name.</source>
        <translation>Write the placeholder {{{name}}} plainly, without &apos;:&apos; or &apos;!&apos; after the name.</translation>
    </message>
    <message>
        <source>The {what} is empty. Type what the patient should read.</source>
        <translation>The {what} is empty. Type what the patient should read.</translation>
    </message>
    <message>
        <source>The {what} contains control characters (perhaps pasted from another program). Retype it; the subject must be a single line.</source>
        <translation>The {what} contains control characters (perhaps pasted from another program). Retype it; the subject must be a single line.</translation>
    </message>
    <message>
        <source>The subject is {n} characters long: use at most {top}.</source>
        <translation>The subject is {n} characters long: use at most {top}.</translation>
    </message>
    <message>
        <source>The {what} is {n} characters long: use at most {top}.</source>
        <translation>The {what} is {n} characters long: use at most {top}.</translation>
    </message>
    <message>
        <source>The {what} starts with &apos;{first}&apos;, which a spreadsheet would read as a formula in the SMS batch file. Start it with a word, such as {{honorific}}.</source>
        <translation>The {what} starts with &apos;{first}&apos;, which a spreadsheet would read as a formula in the SMS batch file. Start it with a word, such as {{honorific}}.</translation>
    </message>
    <message>
        <source>The {what} uses {{{name}}}, which ClinicDesk cannot fill. Use only these placeholders: {allowed}.</source>
        <translation>The {what} uses {{{name}}}, which ClinicDesk cannot fill. Use only these placeholders: {allowed}.</translation>
    </message>
    <message>
        <source>The message needs a value for {{{name}}}, and none was given. Give it, or take the placeholder out of the template.</source>
        <translation>The message needs a value for {{{name}}}, and none was given. Give it, or take the placeholder out of the template.</translation>
    </message>
    <message>
        <source>The {label} needs a date, a time and a time zone.</source>
        <translation>The {label} needs a date, a time and a time zone.</translation>
    </message>
    <message>
        <source>The reason is too long: use at most {n} characters.</source>
        <translation>The reason is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>There is no message template &apos;{code}&apos;. Choose one of the list.</source>
        <translation>There is no message template &apos;{code}&apos;. Choose one of the list.</translation>
    </message>
    <message>
        <source>The template&apos;s name is too long: use at most {n} characters.</source>
        <translation>The template&apos;s name is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>This kind of message has no {{{name}}} to fill (it is not about an appointment). Use only {allowed}.</source>
        <translation>This kind of message has no {{{name}}} to fill (it is not about an appointment). Use only {allowed}.</translation>
    </message>
    <message>
        <source>Choose whether the template is on.</source>
        <translation>Choose whether the template is on.</translation>
    </message>
    <message>
        <source>A message value &apos;{name}&apos; cannot be given: ClinicDesk fills {{honorific}}, {{clinic}} and {{clinic_phone}} itself, and knows only {allowed}.</source>
        <translation>A message value &apos;{name}&apos; cannot be given: ClinicDesk fills {{honorific}}, {{clinic}} and {{clinic_phone}} itself, and knows only {allowed}.</translation>
    </message>
    <message>
        <source>The message gives the clinic&apos;s phone number, which is not set. Set it in Settings &gt; Clinic.</source>
        <translation>The message gives the clinic&apos;s phone number, which is not set. Set it in Settings &gt; Clinic.</translation>
    </message>
    <message>
        <source>The message is empty. Type what the patient should read.</source>
        <translation>The message is empty. Type what the patient should read.</translation>
    </message>
    <message>
        <source>The text message would be {n} characters long; SMS platforms cut messages beyond {top}. Shorten it.</source>
        <translation>The text message would be {n} characters long; SMS platforms cut messages beyond {top}. Shorten it.</translation>
    </message>
    <message>
        <source>campaign</source>
        <translation>campaign</translation>
    </message>
    <message>
        <source>The patient&apos;s e-mail address &apos;{email}&apos; is not a valid address, and there is no mobile or WeChat to use instead. Correct it in the patient&apos;s record.</source>
        <translation>The patient&apos;s e-mail address &apos;{email}&apos; is not a valid address, and there is no mobile or WeChat to use instead. Correct it in the patient&apos;s record.</translation>
    </message>
    <message>
        <source>This patient asked not to receive messages, so none is queued.</source>
        <translation>This patient asked not to receive messages, so none is queued.</translation>
    </message>
    <message>
        <source>This patient&apos;s death is recorded, so no message is sent.</source>
        <translation>This patient&apos;s death is recorded, so no message is sent.</translation>
    </message>
    <message>
        <source>This patient has no mainland mobile number, e-mail address or WeChat id to send to. Add one in the patient&apos;s record, or call instead.</source>
        <translation>This patient has no mainland mobile number, e-mail address or WeChat id to send to. Add one in the patient&apos;s record, or call instead.</translation>
    </message>
    <message>
        <source>This message is already in the outbox.</source>
        <translation>This message is already in the outbox.</translation>
    </message>
    <message>
        <source>This message would mention the patient&apos;s diagnosis or a medicine they take, which messages never do (someone else may read them). Change the wording.</source>
        <translation>This message would mention the patient&apos;s diagnosis or a medicine they take, which messages never do (someone else may read them). Change the wording.</translation>
    </message>
    <message>
        <source>This message template is switched off. Switch it on under the message templates, or choose another.</source>
        <translation>This message template is switched off. Switch it on under the message templates, or choose another.</translation>
    </message>
    <message>
        <source>message</source>
        <translation>message</translation>
    </message>
    <message>
        <source>&apos;{state}&apos; is not a message state. Use one of {all}.</source>
        <translation>&apos;{state}&apos; is not a message state. Use one of {all}.</translation>
    </message>
    <message>
        <source>Show from 1 to 100000 messages at a time.</source>
        <translation>Show from 1 to 100000 messages at a time.</translation>
    </message>
    <message>
        <source>Say why the message is cancelled (for example: rebooked).</source>
        <translation>Say why the message is cancelled (for example: rebooked).</translation>
    </message>
    <message>
        <source>This message is {state}, so it can no longer be cancelled. Refresh the list.</source>
        <translation>This message is {state}, so it can no longer be cancelled. Refresh the list.</translation>
    </message>
    <message>
        <source>This message may already have reached the patient (it is {state}). Check that it did not, then confirm to send it again.</source>
        <translation>This message may already have reached the patient (it is {state}). Check that it did not, then confirm to send it again.</translation>
    </message>
    <message>
        <source>Only a failed message can be tried again; this one is {state}.</source>
        <translation>Only a failed message can be tried again; this one is {state}.</translation>
    </message>
    <message>
        <source>Only a message whose result is unknown can be marked as arrived; this one is {state}.</source>
        <translation>Only a message whose result is unknown can be marked as arrived; this one is {state}.</translation>
    </message>
    <message>
        <source>Several workstations share this clinic. Choose the one that sends messages in Settings &gt; Messages, so that no message goes out twice.</source>
        <translation>Several workstations share this clinic. Choose the one that sends messages in Settings &gt; Messages, so that no message goes out twice.</translation>
    </message>
    <message>
        <source>Messages are sent from the workstation &apos;{name}&apos;, not this one, so that none goes out twice. Send from there, or change it in Settings &gt; Messages.</source>
        <translation>Messages are sent from the workstation &apos;{name}&apos;, not this one, so that none goes out twice. Send from there, or change it in Settings &gt; Messages.</translation>
    </message>
    <message>
        <source>Only SMS and WeChat messages go out in a batch file; e-mail is sent.</source>
        <translation>Only SMS and WeChat messages go out in a batch file; e-mail is sent.</translation>
    </message>
    <message>
        <source>These messages are sent through the gateway &apos;{name}&apos;, so there is no batch file to make.</source>
        <translation>These messages are sent through the gateway &apos;{name}&apos;, so there is no batch file to make.</translation>
    </message>
    <message>
        <source>The condition to look for is too long: use at most {n} characters.</source>
        <translation>The condition to look for is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>Ages are whole numbers from 0 to 150.</source>
        <translation>Ages are whole numbers from 0 to 150.</translation>
    </message>
    <message>
        <source>The youngest age ({low}) is above the oldest ({high}). Swap them.</source>
        <translation>The youngest age ({low}) is above the oldest ({high}). Swap them.</translation>
    </message>
    <message>
        <source>Choose the patients&apos; sex, or any.</source>
        <translation>Choose the patients&apos; sex, or any.</translation>
    </message>
    <message>
        <source>&apos;Visited since&apos; should be a day up to today.</source>
        <translation>&apos;Visited since&apos; should be a day up to today.</translation>
    </message>
    <message>
        <source>Choose a visit category from the list, or any.</source>
        <translation>Choose a visit category from the list, or any.</translation>
    </message>
    <message>
        <source>Give the campaign a name (for example: 冬季保暖提醒).</source>
        <translation>Give the campaign a name (for example: 冬季保暖提醒).</translation>
    </message>
    <message>
        <source>The campaign&apos;s name is too long: use at most {n} characters.</source>
        <translation>The campaign&apos;s name is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>A campaign message cannot use {{{name}}}: it has no appointment. Use {{honorific}}, {{clinic}} and {{clinic_phone}} only.</source>
        <translation>A campaign message cannot use {{{name}}}: it has no appointment. Use {{honorific}}, {{clinic}} and {{clinic_phone}} only.</translation>
    </message>
    <message>
        <source>The message names the condition the patients were chosen by ({word}). Messages never mention a diagnosis: write general advice instead.</source>
        <translation>The message names the condition the patients were chosen by ({word}). Messages never mention a diagnosis: write general advice instead.</translation>
    </message>
    <message>
        <source>A deadline needs a time with its time zone.</source>
        <translation>A deadline needs a time with its time zone.</translation>
    </message>
    <message>
        <source>A time limit cannot be negative.</source>
        <translation>A time limit cannot be negative.</translation>
    </message>
    <message>
        <source>No deadline can be found: the clinic is closed on every day for years ahead. Check the clinic&apos;s closures.</source>
        <translation>No deadline can be found: the clinic is closed on every day for years ahead. Check the clinic&apos;s closures.</translation>
    </message>
    <message>
        <source>The {what} should be a date. Choose it on the calendar.</source>
        <translation>The {what} should be a date. Choose it on the calendar.</translation>
    </message>
    <message>
        <source>The period is {n} days long. Choose at most {max} days (a year); the yearly report compares longer spans.</source>
        <translation>The period is {n} days long. Choose at most {max} days (a year); the yearly report compares longer spans.</translation>
    </message>
    <message>
        <source>Choose the doctor from the list.</source>
        <translation>Choose the doctor from the list.</translation>
    </message>
    <message>
        <source>Show a trend of 1 to 36 months, or none.</source>
        <translation>Show a trend of 1 to 36 months, or none.</translation>
    </message>
    <message>
        <source>Choose a week, a month, a quarter or a year for the report.</source>
        <translation>Choose a week, a month, a quarter or a year for the report.</translation>
    </message>
    <message>
        <source>There is no table called {table} to export. Choose complaints, survey answers, follow-up calls, self-checks, root causes or metrics.</source>
        <translation>There is no table called {table} to export. Choose complaints, survey answers, follow-up calls, self-checks, root causes or metrics.</translation>
    </message>
    <message>
        <source>questionnaire</source>
        <translation>questionnaire</translation>
    </message>
    <message>
        <source>Give the questions as a list.</source>
        <translation>Give the questions as a list.</translation>
    </message>
    <message>
        <source>A questionnaire has 1 to {most} questions; this one has {n}. Add or remove questions.</source>
        <translation>A questionnaire has 1 to {most} questions; this one has {n}. Add or remove questions.</translation>
    </message>
    <message>
        <source>Question {n}: its key should be 1 to 32 small letters a-z, digits or underscores (for example: waiting_time).</source>
        <translation>Question {n}: its key should be 1 to 32 small letters a-z, digits or underscores (for example: waiting_time).</translation>
    </message>
    <message>
        <source>Question {n}: the key “{key}” is used twice. Give each its own.</source>
        <translation>Question {n}: the key “{key}” is used twice. Give each its own.</translation>
    </message>
    <message>
        <source>Question {n}: choose a score from 1 to 5 or an open question.</source>
        <translation>Question {n}: choose a score from 1 to 5 or an open question.</translation>
    </message>
    <message>
        <source>Question {n} has no text. Write the question.</source>
        <translation>Question {n} has no text. Write the question.</translation>
    </message>
    <message>
        <source>A questionnaire needs at least one question scored from 1 to 5: the satisfaction rate is counted from those.</source>
        <translation>A questionnaire needs at least one question scored from 1 to 5: the satisfaction rate is counted from those.</translation>
    </message>
    <message>
        <source>Give the questionnaire a name.</source>
        <translation>Give the questionnaire a name.</translation>
    </message>
    <message>
        <source>Choose what the questionnaire is for.</source>
        <translation>Choose what the questionnaire is for.</translation>
    </message>
    <message>
        <source>Say whether the questionnaire is in use.</source>
        <translation>Say whether the questionnaire is in use.</translation>
    </message>
    <message>
        <source>The question “{key}” already has answers, so it cannot change between a score and an open question. Add a new question with its own key instead.</source>
        <translation>The question “{key}” already has answers, so it cannot change between a score and an open question. Add a new question with its own key instead.</translation>
    </message>
    <message>
        <source>A survey week starts on a Monday; {day} is not one.</source>
        <translation>A survey week starts on a Monday; {day} is not one.</translation>
    </message>
    <message>
        <source>The week of {day} has not started yet. Draw this week&apos;s sample or an earlier week&apos;s.</source>
        <translation>The week of {day} has not started yet. Draw this week&apos;s sample or an earlier week&apos;s.</translation>
    </message>
    <message>
        <source>The week of {day} is more than a year ago: its patients are not asked any more. Choose a recent week.</source>
        <translation>The week of {day} is more than a year ago: its patients are not asked any more. Choose a recent week.</translation>
    </message>
    <message>
        <source>Choose how the sample is asked: by call or by form.</source>
        <translation>Choose how the sample is asked: by call or by form.</translation>
    </message>
    <message>
        <source>A reference code is 8 letters and digits, as printed at the foot of the form (for example 3F2A-9C1B). Check it and type it again.</source>
        <translation>A reference code is 8 letters and digits, as printed at the foot of the form (for example 3F2A-9C1B). Check it and type it again.</translation>
    </message>
    <message>
        <source>survey sample with that code</source>
        <translation>survey sample with that code</translation>
    </message>
    <message>
        <source>Give the answers as a list.</source>
        <translation>Give the answers as a list.</translation>
    </message>
    <message>
        <source>There is no question “{key}” in this questionnaire. Use the questions given.</source>
        <translation>There is no question “{key}” in this questionnaire. Use the questions given.</translation>
    </message>
    <message>
        <source>The question “{key}” is answered twice. Keep one answer.</source>
        <translation>The question “{key}” is answered twice. Keep one answer.</translation>
    </message>
    <message>
        <source>The question “{key}” is answered with a score from 1 (very dissatisfied) to 5 (very satisfied).</source>
        <translation>The question “{key}” is answered with a score from 1 (very dissatisfied) to 5 (very satisfied).</translation>
    </message>
    <message>
        <source>The question “{key}” takes a score from 1 to 5, not text. Write remarks in an open question.</source>
        <translation>The question “{key}” takes a score from 1 to 5, not text. Write remarks in an open question.</translation>
    </message>
    <message>
        <source>The question “{key}” is answered in words, not with a score.</source>
        <translation>The question “{key}” is answered in words, not with a score.</translation>
    </message>
    <message>
        <source>No question is answered. Record at least one answer, or leave it.</source>
        <translation>No question is answered. Record at least one answer, or leave it.</translation>
    </message>
    <message>
        <source>This patient&apos;s survey was already answered on {day}. Each drawn patient answers once.</source>
        <translation>This patient&apos;s survey was already answered on {day}. Each drawn patient answers once.</translation>
    </message>
    <message>
        <source>Say whether the answers came by call or form.</source>
        <translation>Say whether the answers came by call or form.</translation>
    </message>
    <message>
        <source>The answer date {day} should be today or within the last year, not in the future.</source>
        <translation>The answer date {day} should be today or within the last year, not in the future.</translation>
    </message>
    <message>
        <source>survey sample</source>
        <translation>survey sample</translation>
    </message>
    <message>
        <source>This patient was drawn for another questionnaire. Enter the answers on the form printed for them.</source>
        <translation>This patient was drawn for another questionnaire. Enter the answers on the form printed for them.</translation>
    </message>
    <message>
        <source>The question “{key}” is answered with a score from 1 to 5 or with words.</source>
        <translation>The question “{key}” is answered with a score from 1 to 5 or with words.</translation>
    </message>
    <message>
        <source>This survey call&apos;s patient is no longer in the week&apos;s sample. Close the task as no longer needed.</source>
        <translation>This survey call&apos;s patient is no longer in the week&apos;s sample. Close the task as no longer needed.</translation>
    </message>
    <message>
        <source>Show the results by question, doctor or department.</source>
        <translation>Show the results by question, doctor or department.</translation>
    </message>
    <message>
        <source>Choose the role of the checklist.</source>
        <translation>Choose the role of the checklist.</translation>
    </message>
    <message>
        <source>Give the items as a list.</source>
        <translation>Give the items as a list.</translation>
    </message>
    <message>
        <source>Item {n} repeats an earlier one. Remove it.</source>
        <translation>Item {n} repeats an earlier one. Remove it.</translation>
    </message>
    <message>
        <source>A checklist has 1 to {most} items; this one has {n}.</source>
        <translation>A checklist has 1 to {most} items; this one has {n}.</translation>
    </message>
    <message>
        <source>Sign in as a staff member to fill in a self-check.</source>
        <translation>Sign in as a staff member to fill in a self-check.</translation>
    </message>
    <message>
        <source>A self-check is filled in for today, or for yesterday after a late shift; not for {day}.</source>
        <translation>A self-check is filled in for today, or for yesterday after a late shift; not for {day}.</translation>
    </message>
    <message>
        <source>Tick item {n}, or leave it unticked.</source>
        <translation>Tick item {n}, or leave it unticked.</translation>
    </message>
    <message>
        <source>Say what was missed in item {n}.</source>
        <translation>Say what was missed in item {n}.</translation>
    </message>
    <message>
        <source>The checklist was changed while you filled it in. Open it again and answer every item.</source>
        <translation>The checklist was changed while you filled it in. Open it again and answer every item.</translation>
    </message>
    <message>
        <source>A period is counted in months or years.</source>
        <translation>A period is counted in months or years.</translation>
    </message>
    <message>
        <source>A period is 1 to 120 months or years long.</source>
        <translation>A period is 1 to 120 months or years long.</translation>
    </message>
    <message>
        <source>That day ({day}) is before the membership began ({start}).</source>
        <translation>That day ({day}) is before the membership began ({start}).</translation>
    </message>
    <message>
        <source>A membership lasts at least one period.</source>
        <translation>A membership lasts at least one period.</translation>
    </message>
    <message>
        <source>A quota is a whole number, 0 or more.</source>
        <translation>A quota is a whole number, 0 or more.</translation>
    </message>
    <message>
        <source>A price is an amount of 0 or more.</source>
        <translation>A price is an amount of 0 or more.</translation>
    </message>
    <message>
        <source>Choose how a change of tier is priced.</source>
        <translation>Choose how a change of tier is priced.</translation>
    </message>
    <message>
        <source>The membership runs from {start} to {end}; a change on {day} is outside it. Renew it instead.</source>
        <translation>The membership runs from {start} to {end}; a change on {day} is outside it. Renew it instead.</translation>
    </message>
    <message>
        <source>The allowance for {benefit} is used up: {used} of {quota} from {first} to {last}. The director can allow one more with a reason.</source>
        <translation>The allowance for {benefit} is used up: {used} of {quota} from {first} to {last}. The director can allow one more with a reason.</translation>
    </message>
    <message>
        <source>The {label} is too short: say in a few words why ({n} characters or more).</source>
        <translation>The {label} is too short: say in a few words why ({n} characters or more).</translation>
    </message>
    <message>
        <source>The {label} should be an amount in cents (whole number).</source>
        <translation>The {label} should be an amount in cents (whole number).</translation>
    </message>
    <message>
        <source>The {label} cannot be negative. Enter 0 or more (a refund is its own entry).</source>
        <translation>The {label} cannot be negative. Enter 0 or more (a refund is its own entry).</translation>
    </message>
    <message>
        <source>The {label} should be more than 0.</source>
        <translation>The {label} should be more than 0.</translation>
    </message>
    <message>
        <source>The {label} is too large: at most {top}. Check the amount.</source>
        <translation>The {label} is too large: at most {top}. Check the amount.</translation>
    </message>
    <message>
        <source>Choose the tier&apos;s benefits.</source>
        <translation>Choose the tier&apos;s benefits.</translation>
    </message>
    <message>
        <source>A tier has at most {n} benefits.</source>
        <translation>A tier has at most {n} benefits.</translation>
    </message>
    <message>
        <source>&apos;{key}&apos; is not a benefit ClinicDesk knows. Choose one from the list, or add your own benefit with its name.</source>
        <translation>&apos;{key}&apos; is not a benefit ClinicDesk knows. Choose one from the list, or add your own benefit with its name.</translation>
    </message>
    <message>
        <source>The benefit &apos;{key}&apos; is listed twice. Keep it once.</source>
        <translation>The benefit &apos;{key}&apos; is listed twice. Keep it once.</translation>
    </message>
    <message>
        <source>Say whether the benefit &apos;{key}&apos; is included or counted per period.</source>
        <translation>Say whether the benefit &apos;{key}&apos; is included or counted per period.</translation>
    </message>
    <message>
        <source>The allowance of &apos;{key}&apos; should be a whole number from 0 to {top} per period.</source>
        <translation>The allowance of &apos;{key}&apos; should be a whole number from 0 to {top} per period.</translation>
    </message>
    <message>
        <source>The allowance of &apos;{key}&apos; is counted per 1 to 10 months or years. Choose its period again.</source>
        <translation>The allowance of &apos;{key}&apos; is counted per 1 to 10 months or years. Choose its period again.</translation>
    </message>
    <message>
        <source>Enter the payment&apos;s details.</source>
        <translation>Enter the payment&apos;s details.</translation>
    </message>
    <message>
        <source>Say whether this is a payment or a refund.</source>
        <translation>Say whether this is a payment or a refund.</translation>
    </message>
    <message>
        <source>The payment date {day} is in the future. Record a payment on the day it is made.</source>
        <translation>The payment date {day} is in the future. Record a payment on the day it is made.</translation>
    </message>
    <message>
        <source>Choose how it was paid: cash, bank card, WeChat Pay, Alipay, bank transfer or other.</source>
        <translation>Choose how it was paid: cash, bank card, WeChat Pay, Alipay, bank transfer or other.</translation>
    </message>
    <message>
        <source>membership tier</source>
        <translation>membership tier</translation>
    </message>
    <message>
        <source>membership</source>
        <translation>membership</translation>
    </message>
    <message>
        <source>{name} is already a member ({tier}, card {card}, until {end}). Renew or change that membership instead.</source>
        <translation>{name} is already a member ({tier}, card {card}, until {end}). Renew or change that membership instead.</translation>
    </message>
    <message>
        <source>{name} has died ({day}), so cannot be enrolled. Choose another person.</source>
        <translation>{name} has died ({day}), so cannot be enrolled. Choose another person.</translation>
    </message>
    <message>
        <source>Choose how the member is related to the payer: spouse, child, parent or other.</source>
        <translation>Choose how the member is related to the payer: spouse, child, parent or other.</translation>
    </message>
    <message>
        <source>This membership (card {card}) was cancelled, so it cannot be changed or renewed. Enrol the person again instead.</source>
        <translation>This membership (card {card}) was cancelled, so it cannot be changed or renewed. Enrol the person again instead.</translation>
    </message>
    <message>
        <source>The tier {tier} covers at most {n} people, and {m} were given. Remove someone, or choose a family tier.</source>
        <translation>The tier {tier} covers at most {n} people, and {m} were given. Remove someone, or choose a family tier.</translation>
    </message>
    <message>
        <source>Fill in the tier&apos;s details.</source>
        <translation>Fill in the tier&apos;s details.</translation>
    </message>
    <message>
        <source>The code &apos;{code}&apos; may hold only Latin letters, digits and &apos;_&apos;, starting with a letter (for example gold_family).</source>
        <translation>The code &apos;{code}&apos; may hold only Latin letters, digits and &apos;_&apos;, starting with a letter (for example gold_family).</translation>
    </message>
    <message>
        <source>A tier runs for 1 to 120 months or 1 to 10 years. Choose its period again.</source>
        <translation>A tier runs for 1 to 120 months or 1 to 10 years. Choose its period again.</translation>
    </message>
    <message>
        <source>A tier covers 1 to {n} people (more than 1: a family tier).</source>
        <translation>A tier covers 1 to {n} people (more than 1: a family tier).</translation>
    </message>
    <message>
        <source>Choose the colour again (like #C9A227).</source>
        <translation>Choose the colour again (like #C9A227).</translation>
    </message>
    <message>
        <source>Another tier already has the code &apos;{code}&apos;. Choose another code.</source>
        <translation>Another tier already has the code &apos;{code}&apos;. Choose another code.</translation>
    </message>
    <message>
        <source>Another tier now has the code &apos;{code}&apos;. Change one of the codes first.</source>
        <translation>Another tier now has the code &apos;{code}&apos;. Change one of the codes first.</translation>
    </message>
    <message>
        <source>The tier {tier} is in use by {n} memberships, so it cannot be deleted. Retire it instead: no one new can join it, and its members keep it until their membership ends.</source>
        <translation>The tier {tier} is in use by {n} memberships, so it cannot be deleted. Retire it instead: no one new can join it, and its members keep it until their membership ends.</translation>
    </message>
    <message>
        <source>Fill in the enrolment&apos;s details.</source>
        <translation>Fill in the enrolment&apos;s details.</translation>
    </message>
    <message>
        <source>The start date {day} is more than a year ahead, or too long ago. Check the date.</source>
        <translation>The start date {day} is more than a year ahead, or too long ago. Check the date.</translation>
    </message>
    <message>
        <source>A membership is bought for 1 to {n} periods at a time.</source>
        <translation>A membership is bought for 1 to {n} periods at a time.</translation>
    </message>
    <message>
        <source>The tier {tier} is retired: no one new can join it. Choose another tier, or ask the director to offer it again.</source>
        <translation>The tier {tier} is retired: no one new can join it. Choose another tier, or ask the director to offer it again.</translation>
    </message>
    <message>
        <source>{name} is listed twice. Each person is a member once.</source>
        <translation>{name} is listed twice. Each person is a member once.</translation>
    </message>
    <message>
        <source>A membership is renewed for 1 to {n} periods at a time.</source>
        <translation>A membership is renewed for 1 to {n} periods at a time.</translation>
    </message>
    <message>
        <source>This membership ended on {end}. Renew it first, then change its tier.</source>
        <translation>This membership ended on {end}. Renew it first, then change its tier.</translation>
    </message>
    <message>
        <source>The membership is already in this tier. Choose a different tier.</source>
        <translation>The membership is already in this tier. Choose a different tier.</translation>
    </message>
    <message>
        <source>Only a running membership can be suspended; this one is {status}.</source>
        <translation>Only a running membership can be suspended; this one is {status}.</translation>
    </message>
    <message>
        <source>This membership is not suspended; nothing to resume.</source>
        <translation>This membership is not suspended; nothing to resume.</translation>
    </message>
    <message>
        <source>This membership is already cancelled.</source>
        <translation>This membership is already cancelled.</translation>
    </message>
    <message>
        <source>Choose the person to add.</source>
        <translation>Choose the person to add.</translation>
    </message>
    <message>
        <source>This membership ended on {end}. Renew it first, then add people.</source>
        <translation>This membership ended on {end}. Renew it first, then add people.</translation>
    </message>
    <message>
        <source>{name} is already in this membership.</source>
        <translation>{name} is already in this membership.</translation>
    </message>
    <message>
        <source>The payer cannot be removed from their own membership. Cancel the membership, or enrol the family again with another payer.</source>
        <translation>The payer cannot be removed from their own membership. Cancel the membership, or enrol the family again with another payer.</translation>
    </message>
    <message>
        <source>member</source>
        <translation>member</translation>
    </message>
    <message>
        <source>A care team has at most 10 people.</source>
        <translation>A care team has at most 10 people.</translation>
    </message>
    <message>
        <source>The tier {tier} has no care team. Change to a tier with a private health butler first.</source>
        <translation>The tier {tier} has no care team. Change to a tier with a private health butler first.</translation>
    </message>
    <message>
        <source>Choose each care team member&apos;s role: doctor, nutritionist, trainer or other.</source>
        <translation>Choose each care team member&apos;s role: doctor, nutritionist, trainer or other.</translation>
    </message>
    <message>
        <source>That staff member&apos;s account is disabled or gone. Choose someone else for the care team.</source>
        <translation>That staff member&apos;s account is disabled or gone. Choose someone else for the care team.</translation>
    </message>
    <message>
        <source>Give the name of a care team member from outside the clinic, or choose a staff member.</source>
        <translation>Give the name of a care team member from outside the clinic, or choose a staff member.</translation>
    </message>
    <message>
        <source>The tier {tier} has no allowance of &apos;{benefit}&apos; to count. Book it as a normal appointment, or change the membership&apos;s tier.</source>
        <translation>The tier {tier} has no allowance of &apos;{benefit}&apos; to count. Book it as a normal appointment, or change the membership&apos;s tier.</translation>
    </message>
    <message>
        <source>The membership (card {card}) is {status} on {day}, so its benefits cannot be used then. Resume or renew it first.</source>
        <translation>The membership (card {card}) is {status} on {day}, so its benefits cannot be used then. Resume or renew it first.</translation>
    </message>
    <message>
        <source>This patient is not a member of the membership (card {card}). Add them to it first, or choose the right membership.</source>
        <translation>This patient is not a member of the membership (card {card}). Add them to it first, or choose the right membership.</translation>
    </message>
    <message>
        <source>benefit use</source>
        <translation>benefit use</translation>
    </message>
    <message>
        <source>This use was already given back. Refresh the list.</source>
        <translation>This use was already given back. Refresh the list.</translation>
    </message>
    <message>
        <source>Choose which memberships to show.</source>
        <translation>Choose which memberships to show.</translation>
    </message>
    <message>
        <source>Type a name, phone or card number.</source>
        <translation>Type a name, phone or card number.</translation>
    </message>
    <message>
        <source>Give the number of days ahead, 0 or more.</source>
        <translation>Give the number of days ahead, 0 or more.</translation>
    </message>
    <message>
        <source>The last day is before the first. Swap them.</source>
        <translation>The last day is before the first. Swap them.</translation>
    </message>
    <message>
        <source>This overdraft was already reviewed. Refresh the list.</source>
        <translation>This overdraft was already reviewed. Refresh the list.</translation>
    </message>
</context>
<context>
    <name>EscalationNotice</name>
    <message>
        <source>Serious complaints</source>
        <translation>Serious complaints</translation>
    </message>
    <message numerus="yes">
        <source>%n serious complaint(s) escalated to you</source>
        <translation>
            <numerusform>%n serious complaint escalated to you</numerusform>
            <numerusform>%n serious complaints escalated to you</numerusform>
        </translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Seen</source>
        <translation>Seen</translation>
    </message>
    <message>
        <source>You have read it: it leaves this notice</source>
        <translation>You have read it: it leaves this notice</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>Number</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>Gist</source>
        <translation>Gist</translation>
    </message>
</context>
<context>
    <name>ExceptionDialog</name>
    <message>
        <source>Day off or extra hours</source>
        <translation>Day off or extra hours</translation>
    </message>
    <message>
        <source>For {name}. An absence that needs patients contacted is recorded on the absence screen instead.</source>
        <translation>For {name}. An absence that needs patients contacted is recorded on the absence screen instead.</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Change</translation>
    </message>
    <message>
        <source>Day off</source>
        <translation>Day off</translation>
    </message>
    <message>
        <source>Extra hours</source>
        <translation>Extra hours</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>Hours</translation>
    </message>
    <message>
        <source>Whole day</source>
        <translation>Whole day</translation>
    </message>
    <message>
        <source>from, e.g. 08:00</source>
        <translation>from, e.g. 08:00</translation>
    </message>
    <message>
        <source>to, e.g. 12:00</source>
        <translation>to, e.g. 12:00</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
</context>
<context>
    <name>Features</name>
    <message>
        <source>Reception</source>
        <translation>Reception</translation>
    </message>
    <message>
        <source>Calendar</source>
        <translation>Calendar</translation>
    </message>
    <message>
        <source>Patients</source>
        <translation>Patients</translation>
    </message>
    <message>
        <source>Follow-ups</source>
        <translation>Follow-ups</translation>
    </message>
    <message>
        <source>Complaints &amp; quality</source>
        <translation>Complaints &amp; quality</translation>
    </message>
    <message>
        <source>Membership</source>
        <translation>Membership</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>My queue</source>
        <translation>My queue</translation>
    </message>
</context>
<context>
    <name>FieldsDialog</name>
    <message>
        <source>e.g. 2024-05-01</source>
        <translation>e.g. 2024-05-01</translation>
    </message>
    <message>
        <source>This is not a date: type it as year-month-day, e.g. 2024-05-01.</source>
        <translation>This is not a date: type it as year-month-day, e.g. 2024-05-01.</translation>
    </message>
</context>
<context>
    <name>FinishDialog</name>
    <message>
        <source>Choose the kind of visit…</source>
        <extracomment>queue statuses each button acts on (the service checks again and says why not)</extracomment>
        <translation>Choose the kind of visit…</translation>
    </message>
    <message>
        <source>Finish the consultation</source>
        <translation>Finish the consultation</translation>
    </message>
    <message>
        <source>Kind of visit</source>
        <translation>Kind of visit</translation>
    </message>
    <message>
        <source>No. {number} · {patient}</source>
        <translation>No. {number} · {patient}</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>Choose the kind of visit: the follow-up plan depends on it.</source>
        <translation>Choose the kind of visit: the follow-up plan depends on it.</translation>
    </message>
</context>
<context>
    <name>Followup</name>
    <message>
        <source>Phone call</source>
        <translation>Phone call</translation>
    </message>
    <message>
        <source>Text message</source>
        <translation>Text message</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>WeChat</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>Letter</translation>
    </message>
    <message>
        <source>Home visit</source>
        <translation>Home visit</translation>
    </message>
    <message>
        <source>Attending doctor</source>
        <translation>Attending doctor</translation>
    </message>
    <message>
        <source>Nurse</source>
        <translation>Nurse</translation>
    </message>
    <message>
        <source>Customer service</source>
        <translation>Customer service</translation>
    </message>
    <message>
        <source>Health manager</source>
        <translation>Health manager</translation>
    </message>
    <message>
        <source>Follow-up after a visit</source>
        <translation>Follow-up after a visit</translation>
    </message>
    <message>
        <source>Confirm tomorrow&apos;s appointment</source>
        <translation>Confirm tomorrow&apos;s appointment</translation>
    </message>
    <message>
        <source>Missed appointment</source>
        <translation>Missed appointment</translation>
    </message>
    <message>
        <source>Added by hand</source>
        <translation>Added by hand</translation>
    </message>
    <message>
        <source>Satisfaction survey</source>
        <translation>Satisfaction survey</translation>
    </message>
    <message>
        <source>Membership renewal</source>
        <translation>Membership renewal</translation>
    </message>
    <message>
        <source>Annual health plan check-in</source>
        <translation>Annual health plan check-in</translation>
    </message>
    <message>
        <source>Reached</source>
        <translation>Reached</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>No answer</translation>
    </message>
    <message>
        <source>Wrong number</source>
        <translation>Wrong number</translation>
    </message>
    <message>
        <source>Refused to talk</source>
        <translation>Refused to talk</translation>
    </message>
    <message>
        <source>Recovered</source>
        <translation>Recovered</translation>
    </message>
    <message>
        <source>Improving</source>
        <translation>Improving</translation>
    </message>
    <message>
        <source>Unchanged</source>
        <translation>Unchanged</translation>
    </message>
    <message>
        <source>Worse</source>
        <translation>Worse</translation>
    </message>
    <message>
        <source>Takes it as prescribed</source>
        <translation>Takes it as prescribed</translation>
    </message>
    <message>
        <source>Sometimes misses a dose</source>
        <translation>Sometimes misses a dose</translation>
    </message>
    <message>
        <source>Stopped taking it</source>
        <translation>Stopped taking it</translation>
    </message>
    <message>
        <source>No medication</source>
        <translation>No medication</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>Good</translation>
    </message>
    <message>
        <source>Acceptable</source>
        <translation>Acceptable</translation>
    </message>
    <message>
        <source>Poor</source>
        <translation>Poor</translation>
    </message>
</context>
<context>
    <name>FollowupClose</name>
    <message>
        <source>The patient died</source>
        <translation>The patient died</translation>
    </message>
    <message>
        <source>The patient asked not to be contacted</source>
        <translation>The patient asked not to be contacted</translation>
    </message>
    <message>
        <source>The visit&apos;s category was changed</source>
        <translation>The visit&apos;s category was changed</translation>
    </message>
    <message>
        <source>No longer needed</source>
        <translation>No longer needed</translation>
    </message>
    <message>
        <source>The appointment was cancelled, moved or confirmed</source>
        <translation>The appointment was cancelled, moved or confirmed</translation>
    </message>
    <message>
        <source>Not reached after several tries</source>
        <translation>Not reached after several tries</translation>
    </message>
    <message>
        <source>No working contact (wrong number)</source>
        <translation>No working contact (wrong number)</translation>
    </message>
    <message>
        <source>Duplicate of another task</source>
        <translation>Duplicate of another task</translation>
    </message>
    <message>
        <source>The membership was renewed</source>
        <translation>The membership was renewed</translation>
    </message>
</context>
<context>
    <name>FollowupPlansTab</name>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>checks</source>
        <translation>checks</translation>
    </message>
    <message>
        <source>This call also asks whether the earlier levels&apos; calls happened.</source>
        <translation>This call also asks whether the earlier levels&apos; calls happened.</translation>
    </message>
    <message>
        <source>After (days)</source>
        <translation>After (days)</translation>
    </message>
    <message>
        <source>Within (days)</source>
        <translation>Within (days)</translation>
    </message>
    <message>
        <source>How</source>
        <translation>How</translation>
    </message>
    <message>
        <source>Who calls</source>
        <translation>Who calls</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>Earlier levels</source>
        <translation>Earlier levels</translation>
    </message>
    <message>
        <source>Days after the visit finished when the call is due (0: the same day).</source>
        <translation>Days after the visit finished when the call is due (0: the same day).</translation>
    </message>
    <message>
        <source>How many days the caller has from then; a closed day moves the deadline.</source>
        <translation>How many days the caller has from then; a closed day moves the deadline.</translation>
    </message>
    <message>
        <source>Levels 1-3 of the chronic discharge plan; “—” for other plans.</source>
        <translation>Levels 1-3 of the chronic discharge plan; “—” for other plans.</translation>
    </message>
    <message>
        <source>Make follow-ups for this kind of visit</source>
        <translation>Make follow-ups for this kind of visit</translation>
    </message>
    <message>
        <source>Add a step</source>
        <translation>Add a step</translation>
    </message>
    <message>
        <source>Remove the step</source>
        <translation>Remove the step</translation>
    </message>
    <message>
        <source>Random sample each month</source>
        <translation>Random sample each month</translation>
    </message>
    <message>
        <source>A changed plan applies to visits finished from now on. Follow-ups already on the list keep their dates.</source>
        <translation>A changed plan applies to visits finished from now on. Follow-ups already on the list keep their dates.</translation>
    </message>
    <message>
        <source>Only a supervisor (the director or a health manager) can change the plans.</source>
        <translation>Only a supervisor (the director or a health manager) can change the plans.</translation>
    </message>
    <message>
        <source>Restore the default…</source>
        <translation>Restore the default…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>{category} (changed)</source>
        <translation>{category} (changed)</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>Unsaved changes</translation>
    </message>
    <message>
        <source>The changes to the plan for “{category}” are not saved. Discard them?</source>
        <translation>The changes to the plan for “{category}” are not saved. Discard them?</translation>
    </message>
    <message>
        <source>Changed here, not saved yet.</source>
        <translation>Changed here, not saved yet.</translation>
    </message>
    <message>
        <source>The shipped default plan.</source>
        <translation>The shipped default plan.</translation>
    </message>
    <message>
        <source>Changed by the clinic.</source>
        <translation>Changed by the clinic.</translation>
    </message>
    <message>
        <source>Visits of this kind get a call only if drawn in the sample: this share of them, chosen at random.</source>
        <translation>Visits of this kind get a call only if drawn in the sample: this share of them, chosen at random.</translation>
    </message>
    <message>
        <source>Saved. Visits finished from now on follow this plan; follow-ups already on the list keep their dates.</source>
        <translation>Saved. Visits finished from now on follow this plan; follow-ups already on the list keep their dates.</translation>
    </message>
    <message>
        <source>Restore the default plan</source>
        <translation>Restore the default plan</translation>
    </message>
    <message>
        <source>Replace the plan for “{category}” with the one ClinicDesk ships? Follow-ups already on the list keep their dates.</source>
        <translation>Replace the plan for “{category}” with the one ClinicDesk ships? Follow-ups already on the list keep their dates.</translation>
    </message>
    <message>
        <source>The default plan is back.</source>
        <translation>The default plan is back.</translation>
    </message>
</context>
<context>
    <name>Followups</name>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>Confirm the appointment at {time}</source>
        <translation>Confirm the appointment at {time}</translation>
    </message>
    <message>
        <source>Missed the appointment at {time}</source>
        <translation>Missed the appointment at {time}</translation>
    </message>
    <message>
        <source>{plan}, level {level}</source>
        <translation>{plan}, level {level}</translation>
    </message>
    <message>
        <source>%n day(s) overdue</source>
        <translation>%n day(s) overdue</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>By {day}</source>
        <translation>By {day}</translation>
    </message>
    <message>
        <source>{role} (anyone)</source>
        <translation>{role} (anyone)</translation>
    </message>
    <message>
        <source>try again after {time}</source>
        <translation>try again after {time}</translation>
    </message>
</context>
<context>
    <name>FollowupsPage</name>
    <message>
        <source>Today&apos;s calls</source>
        <translation>Today&apos;s calls</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Messages</translation>
    </message>
    <message>
        <source>Spot checks</source>
        <translation>Spot checks</translation>
    </message>
    <message>
        <source>Follow-up rates</source>
        <translation>Follow-up rates</translation>
    </message>
    <message>
        <source>Forwarded suggestions</source>
        <translation>Forwarded suggestions</translation>
    </message>
    <message>
        <source>Health reminders…</source>
        <translation>Health reminders…</translation>
    </message>
    <message>
        <source>Seasonal advice or condition tips to a group of patients, by message</source>
        <translation>Seasonal advice or condition tips to a group of patients, by message</translation>
    </message>
</context>
<context>
    <name>ForwardsPanel</name>
    <message>
        <source>&amp;Show</source>
        <translation>&amp;Show</translation>
    </message>
    <message>
        <source>Waiting for an answer</source>
        <translation>Waiting for an answer</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>Answered</translation>
    </message>
    <message>
        <source>All</source>
        <translation>All</translation>
    </message>
    <message>
        <source>Answer…</source>
        <translation>Answer…</translation>
    </message>
    <message>
        <source>Suggestions heard on follow-up calls and forwarded to a department (抄告). Each stays here until the department&apos;s answer is recorded.</source>
        <translation>Suggestions heard on follow-up calls and forwarded to a department (抄告). Each stays here until the department&apos;s answer is recorded.</translation>
    </message>
    <message>
        <source>Forwarded</source>
        <translation>Forwarded</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Suggestion</source>
        <translation>Suggestion</translation>
    </message>
    <message>
        <source>By</source>
        <translation>By</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Answer</translation>
    </message>
    <message>
        <source>{answer} ({who}, {day})</source>
        <translation>{answer} ({who}, {day})</translation>
    </message>
    <message>
        <source>Nothing here.</source>
        <translation>Nothing here.</translation>
    </message>
    <message>
        <source>The department&apos;s answer</source>
        <translation>The department&apos;s answer</translation>
    </message>
    <message>
        <source>{department}, about {patient}: {text}</source>
        <translation>{department}, about {patient}: {text}</translation>
    </message>
</context>
<context>
    <name>GreenChannelDialog</name>
    <message>
        <source>Green channel</source>
        <translation>Green channel</translation>
    </message>
    <message>
        <source>the doctor</source>
        <translation>the doctor</translation>
    </message>
    <message>
        <source>✚ Green channel for No. {no}</source>
        <translation>✚ Green channel for No. {no}</translation>
    </message>
    <message>
        <source>An emergency: the patient goes first in {doctor}&apos;s queue, before everyone waiting.</source>
        <translation>An emergency: the patient goes first in {doctor}&apos;s queue, before everyone waiting.</translation>
    </message>
    <message>
        <source>Reason (required), e.g. chest pain, high fever in a baby</source>
        <translation>Reason (required), e.g. chest pain, high fever in a baby</translation>
    </message>
    <message>
        <source>Everyone sees the mark and the reason on the board and in the doctor&apos;s queue, and it is recorded in the audit log with your name and the time.</source>
        <translation>Everyone sees the mark and the reason on the board and in the doctor&apos;s queue, and it is recorded in the audit log with your name and the time.</translation>
    </message>
    <message>
        <source>Write the reason for the green channel; the doctor reads it first.</source>
        <translation>Write the reason for the green channel; the doctor reads it first.</translation>
    </message>
    <message>
        <source>The reason is too long: keep it under {n} characters.</source>
        <translation>The reason is too long: keep it under {n} characters.</translation>
    </message>
</context>
<context>
    <name>GroupForm</name>
    <message>
        <source>Restore defaults</source>
        <translation>Restore defaults</translation>
    </message>
    <message>
        <source>Fill in the standard values for this group. Nothing changes until you press Save. The clinic&apos;s name, address and phone are kept.</source>
        <translation>Fill in the standard values for this group. Nothing changes until you press Save. The clinic&apos;s name, address and phone are kept.</translation>
    </message>
</context>
<context>
    <name>Import</name>
    <message>
        <source>Full name</source>
        <translation>Full name</translation>
    </message>
    <message>
        <source>Family name</source>
        <translation>Family name</translation>
    </message>
    <message>
        <source>Given name</source>
        <translation>Given name</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Second phone</source>
        <translation>Second phone</translation>
    </message>
    <message>
        <source>ID document type</source>
        <translation>ID document type</translation>
    </message>
    <message>
        <source>ID document number</source>
        <translation>ID document number</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Occupation</source>
        <translation>Occupation</translation>
    </message>
    <message>
        <source>Title or position</source>
        <translation>Title or position</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>WeChat</translation>
    </message>
    <message>
        <source>QQ</source>
        <translation>QQ</translation>
    </message>
    <message>
        <source>Preferred contact</source>
        <translation>Preferred contact</translation>
    </message>
    <message>
        <source>How they came</source>
        <translation>How they came</translation>
    </message>
    <message>
        <source>Special needs</source>
        <translation>Special needs</translation>
    </message>
    <message>
        <source>Emergency contact</source>
        <translation>Emergency contact</translation>
    </message>
    <message>
        <source>Emergency contact relation</source>
        <translation>Emergency contact relation</translation>
    </message>
    <message>
        <source>Emergency contact phone</source>
        <translation>Emergency contact phone</translation>
    </message>
    <message>
        <source>Desk notes</source>
        <translation>Desk notes</translation>
    </message>
    <message>
        <source>How to address</source>
        <translation>How to address</translation>
    </message>
    <message>
        <source>Do not import</source>
        <translation>Do not import</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>Row</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>Column</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
</context>
<context>
    <name>ImportPatientsDialog</name>
    <message>
        <source>Import patients</source>
        <translation>Import patients</translation>
    </message>
    <message>
        <source>Import patients from an Excel or CSV list</source>
        <translation>Import patients from an Excel or CSV list</translation>
    </message>
    <message>
        <source>Choose the file, check which column holds what, then check the rows before importing. Rows already registered are skipped, so importing the same file again adds nobody twice.</source>
        <translation>Choose the file, check which column holds what, then check the rows before importing. Rows already registered are skipped, so importing the same file again adds nobody twice.</translation>
    </message>
    <message>
        <source>No file chosen</source>
        <translation>No file chosen</translation>
    </message>
    <message>
        <source>Choose file…</source>
        <translation>Choose file…</translation>
    </message>
    <message>
        <source>The sheet of the workbook to import</source>
        <translation>The sheet of the workbook to import</translation>
    </message>
    <message>
        <source>Columns in the file and what they are imported as:</source>
        <translation>Columns in the file and what they are imported as:</translation>
    </message>
    <message>
        <source>Column in the file</source>
        <translation>Column in the file</translation>
    </message>
    <message>
        <source>First rows</source>
        <translation>First rows</translation>
    </message>
    <message>
        <source>Imported as</source>
        <translation>Imported as</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>Row</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>Column</translation>
    </message>
    <message>
        <source>Why it was not imported</source>
        <translation>Why it was not imported</translation>
    </message>
    <message>
        <source>Check without saving</source>
        <translation>Check without saving</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Save report…</source>
        <translation>Save report…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Cancelled before anything was saved.</source>
        <translation>Cancelled before anything was saved.</translation>
    </message>
    <message>
        <source>Choose the patient list</source>
        <translation>Choose the patient list</translation>
    </message>
    <message>
        <source>Excel or CSV (*.xlsx *.xlsm *.csv *.txt);;All files (*)</source>
        <translation>Excel or CSV (*.xlsx *.xlsm *.csv *.txt);;All files (*)</translation>
    </message>
    <message>
        <source>Excel workbook, sheet {sheet}; header in row {row}; {n} rows.</source>
        <translation>Excel workbook, sheet {sheet}; header in row {row}; {n} rows.</translation>
    </message>
    <message>
        <source>CSV text ({encoding}); header in row {row}; {n} rows.</source>
        <translation>CSV text ({encoding}); header in row {row}; {n} rows.</translation>
    </message>
    <message>
        <source>Checking the rows…</source>
        <translation>Checking the rows…</translation>
    </message>
    <message>
        <source>Importing the patients…</source>
        <translation>Importing the patients…</translation>
    </message>
    <message>
        <source>Checked {rows} rows without saving: {imported} would be imported, {present} are already registered, {rejected} have a problem.</source>
        <translation>Checked {rows} rows without saving: {imported} would be imported, {present} are already registered, {rejected} have a problem.</translation>
    </message>
    <message>
        <source>{rows} rows: {imported} imported, {present} already registered, {rejected} not imported because of a problem.</source>
        <translation>{rows} rows: {imported} imported, {present} already registered, {rejected} not imported because of a problem.</translation>
    </message>
    <message>
        <source>Cancelled: the {n} patients imported before stay; import the same file again to add the rest.</source>
        <translation>Cancelled: the {n} patients imported before stay; import the same file again to add the rest.</translation>
    </message>
    <message>
        <source>The {n} patients imported before the problem stay; import the same file again to add the rest.</source>
        <translation>The {n} patients imported before the problem stay; import the same file again to add the rest.</translation>
    </message>
    <message>
        <source>The first {n} problems are shown; the saved report lists them all.</source>
        <translation>The first {n} problems are shown; the saved report lists them all.</translation>
    </message>
    <message>
        <source>problems</source>
        <translation>problems</translation>
    </message>
    <message>
        <source>Save the report</source>
        <translation>Save the report</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>Report saved to {path}.</source>
        <translation>Report saved to {path}.</translation>
    </message>
</context>
<context>
    <name>IncomingReferralsPanel</name>
    <message>
        <source>Incoming referrals ({n})</source>
        <translation>Incoming referrals ({n})</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>Urgency</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Referred by</source>
        <translation>Referred by</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Since</translation>
    </message>
</context>
<context>
    <name>IntakeDialog</name>
    <message>
        <source>Record a complaint</source>
        <extracomment>the complaint was recorded: its id (the list opens it)</extracomment>
        <translation>Record a complaint</translation>
    </message>
    <message>
        <source>Write down what the person says, in their words. You receive it, so you own it until it is closed or handed over; its deadlines start from the time received.</source>
        <translation>Write down what the person says, in their words. You receive it, so you own it until it is closed or handed over; its deadlines start from the time received.</translation>
    </message>
    <message>
        <source>How it came</source>
        <translation>How it came</translation>
    </message>
    <message>
        <source>Complainant</source>
        <translation>Complainant</translation>
    </message>
    <message>
        <source>Name as given</source>
        <translation>Name as given</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Contact</translation>
    </message>
    <message>
        <source>Phone, e-mail or WeChat, as given</source>
        <translation>Phone, e-mail or WeChat, as given</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Patient (optional)</source>
        <translation>Patient (optional)</translation>
    </message>
    <message>
        <source>Find the patient: name, phone digits…</source>
        <translation>Find the patient: name, phone digits…</translation>
    </message>
    <message>
        <source>Not a patient</source>
        <translation>Not a patient</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Staff concerned</source>
        <translation>Staff concerned</translation>
    </message>
    <message>
        <source>As the complainant put it</source>
        <translation>As the complainant put it</translation>
    </message>
    <message>
        <source>(not one of our staff by name)</source>
        <translation>(not one of our staff by name)</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Severity</translation>
    </message>
    <message>
        <source>Complexity</source>
        <translation>Complexity</translation>
    </message>
    <message>
        <source>A complex dispute has 20 days for the answer instead of one</source>
        <translation>A complex dispute has 20 days for the answer instead of one</translation>
    </message>
    <message>
        <source>Received at</source>
        <translation>Received at</translation>
    </message>
    <message>
        <source>Now, or earlier for a letter that arrived before it was opened</source>
        <translation>Now, or earlier for a letter that arrived before it was opened</translation>
    </message>
    <message>
        <source>The complaint</source>
        <translation>The complaint</translation>
    </message>
    <message>
        <source>A serious complaint goes to the director at once, when you save it.</source>
        <translation>A serious complaint goes to the director at once, when you save it.</translation>
    </message>
    <message>
        <source>Serious: harm to a patient, a safety risk or a threat to go public.</source>
        <translation>Serious: harm to a patient, a safety risk or a threat to go public.</translation>
    </message>
</context>
<context>
    <name>JoinPage</name>
    <message>
        <source>Join a clinic that already syncs</source>
        <translation>Join a clinic that already syncs</translation>
    </message>
    <message>
        <source>On a computer that already syncs, the director opens Settings → Sync → Add a workstation, which shows a pairing code and a QR code. Type the hub address and the code here, or scan the QR code into the code field. The director then signs in here once to confirm.</source>
        <translation>On a computer that already syncs, the director opens Settings → Sync → Add a workstation, which shows a pairing code and a QR code. Type the hub address and the code here, or scan the QR code into the code field. The director then signs in here once to confirm.</translation>
    </message>
    <message>
        <source>Hub address</source>
        <translation>Hub address</translation>
    </message>
    <message>
        <source>Pairing code</source>
        <translation>Pairing code</translation>
    </message>
    <message>
        <source>e.g. 7KQ2M-XW4PD-9RTZB-H3N6C</source>
        <translation>e.g. 7KQ2M-XW4PD-9RTZB-H3N6C</translation>
    </message>
    <message>
        <source>Director&apos;s user name</source>
        <translation>Director&apos;s user name</translation>
    </message>
    <message>
        <source>Director&apos;s password</source>
        <translation>Director&apos;s password</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>{clinic} — ClinicDesk</source>
        <translation>{clinic} — ClinicDesk</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>&amp;Go</source>
        <translation>&amp;Go</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>Find a patient…</source>
        <translation>Find a patient…</translation>
    </message>
    <message>
        <source>Lock screen</source>
        <translation>Lock screen</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>About ClinicDesk</source>
        <translation>About ClinicDesk</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>Find a patient: name, pinyin, phone digits, ID (Ctrl+K / F2)</source>
        <translation>Find a patient: name, pinyin, phone digits, ID (Ctrl+K / F2)</translation>
    </message>
    <message>
        <source>That screen is not open to your role; ask a colleague who uses it.</source>
        <translation>That screen is not open to your role; ask a colleague who uses it.</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>Not signed in</translation>
    </message>
    <message>
        <source>{name} ({role}) · {workstation}</source>
        <translation>{name} ({role}) · {workstation}</translation>
    </message>
    <message>
        <source>ClinicDesk {version}
An offline-first desktop program for small private clinics.</source>
        <translation>ClinicDesk {version}
An offline-first desktop program for small private clinics.</translation>
    </message>
</context>
<context>
    <name>MedicationCardDialog</name>
    <message>
        <source>Print medication card</source>
        <translation>Print medication card</translation>
    </message>
    <message>
        <source>Large print (大字版)</source>
        <translation>Large print (大字版)</translation>
    </message>
    <message>
        <source>Chinese and English</source>
        <translation>Chinese and English</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>Suggested: the patient is {age}; large print from age {n}.</source>
        <translation>Suggested: the patient is {age}; large print from age {n}.</translation>
    </message>
    <message>
        <source>Large print is suggested from age {n} (Settings, Printing).</source>
        <translation>Large print is suggested from age {n} (Settings, Printing).</translation>
    </message>
    <message>
        <source>A6 card</source>
        <translation>A6 card</translation>
    </message>
    <message>
        <source>A5</source>
        <translation>A5</translation>
    </message>
    <message>
        <source>A4</source>
        <translation>A4</translation>
    </message>
    <message>
        <source>Label ({stock})</source>
        <translation>Label ({stock})</translation>
    </message>
    <message>
        <source>Preview…</source>
        <translation>Preview…</translation>
    </message>
</context>
<context>
    <name>MedicationSource</name>
    <message>
        <source>Told by the patient</source>
        <translation>Told by the patient</translation>
    </message>
    <message>
        <source>Prescribed here</source>
        <translation>Prescribed here</translation>
    </message>
    <message>
        <source>Prescribed by a hospital</source>
        <translation>Prescribed by a hospital</translation>
    </message>
    <message>
        <source>Prescribed by another clinic</source>
        <translation>Prescribed by another clinic</translation>
    </message>
</context>
<context>
    <name>MembersPanel</name>
    <message>
        <source>Search: name, phone, card number or record number…</source>
        <extracomment>a tier list was loaded (the page&apos;s other tabs may use it)</extracomment>
        <translation>Search: name, phone, card number or record number…</translation>
    </message>
    <message>
        <source>Current (active, suspended, not begun)</source>
        <translation>Current (active, suspended, not begun)</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>Suspended</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Expired</translation>
    </message>
    <message>
        <source>Not begun yet</source>
        <translation>Not begun yet</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>All memberships</source>
        <translation>All memberships</translation>
    </message>
    <message>
        <source>Enrol…</source>
        <translation>Enrol…</translation>
    </message>
    <message>
        <source>Enrol a patient or a family in a tier (Ctrl+N)</source>
        <translation>Enrol a patient or a family in a tier (Ctrl+N)</translation>
    </message>
    <message>
        <source>Renew…</source>
        <translation>Renew…</translation>
    </message>
    <message>
        <source>Change tier…</source>
        <translation>Change tier…</translation>
    </message>
    <message>
        <source>Record payment…</source>
        <translation>Record payment…</translation>
    </message>
    <message>
        <source>Record use…</source>
        <translation>Record use…</translation>
    </message>
    <message>
        <source>Undo use…</source>
        <translation>Undo use…</translation>
    </message>
    <message>
        <source>Add member…</source>
        <translation>Add member…</translation>
    </message>
    <message>
        <source>Remove member…</source>
        <translation>Remove member…</translation>
    </message>
    <message>
        <source>Care team…</source>
        <translation>Care team…</translation>
    </message>
    <message>
        <source>Suspend…</source>
        <translation>Suspend…</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>Cancel membership…</source>
        <translation>Cancel membership…</translation>
    </message>
    <message>
        <source>Print card…</source>
        <translation>Print card…</translation>
    </message>
    <message>
        <source>The selected member&apos;s card, or every member&apos;s when no one is selected</source>
        <translation>The selected member&apos;s card, or every member&apos;s when no one is selected</translation>
    </message>
    <message>
        <source>For the member selected in the list below</source>
        <translation>For the member selected in the list below</translation>
    </message>
    <message>
        <source>Card no.</source>
        <translation>Card no.</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>Tier</translation>
    </message>
    <message>
        <source>Payer</source>
        <translation>Payer</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>People</source>
        <translation>People</translation>
    </message>
    <message>
        <source>Ends on</source>
        <translation>Ends on</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Days left</source>
        <translation>Days left</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Members</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>Record no.</translation>
    </message>
    <message>
        <source>Relation</source>
        <translation>Relation</translation>
    </message>
    <message>
        <source>Joined</source>
        <translation>Joined</translation>
    </message>
    <message>
        <source>Allowances this period</source>
        <translation>Allowances this period</translation>
    </message>
    <message>
        <source>Care team</source>
        <translation>Care team</translation>
    </message>
    <message>
        <source>History</source>
        <translation>History</translation>
    </message>
    <message>
        <source>Payments</source>
        <translation>Payments</translation>
    </message>
    <message>
        <source>Benefit uses</source>
        <translation>Benefit uses</translation>
    </message>
    <message>
        <source>When</source>
        <translation>When</translation>
    </message>
    <message>
        <source>What</source>
        <translation>What</translation>
    </message>
    <message>
        <source>By</source>
        <translation>By</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Paid on</source>
        <translation>Paid on</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>Method</translation>
    </message>
    <message>
        <source>Receipt no.</source>
        <translation>Receipt no.</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>Benefit</source>
        <translation>Benefit</translation>
    </message>
    <message>
        <source>For</source>
        <translation>For</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>Count</translation>
    </message>
    <message>
        <source>All tiers</source>
        <translation>All tiers</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>No membership matches.</source>
        <translation>No membership matches.</translation>
    </message>
    <message numerus="yes">
        <source>%n membership(s)</source>
        <translation>
            <numerusform>%n membership</numerusform>
            <numerusform>%n memberships</numerusform>
        </translation>
    </message>
    <message>
        <source>No membership chosen</source>
        <translation>No membership chosen</translation>
    </message>
    <message>
        <source>Choose a membership on the left, or enrol someone new with Enrol….</source>
        <translation>Choose a membership on the left, or enrol someone new with Enrol….</translation>
    </message>
    <message>
        <source>Term</source>
        <translation>Term</translation>
    </message>
    <message>
        <source>Suspended since</source>
        <translation>Suspended since</translation>
    </message>
    <message>
        <source>due soon</source>
        <translation>due soon</translation>
    </message>
    <message>
        <source>Renewal</source>
        <translation>Renewal</translation>
    </message>
    <message>
        <source>This tier counts no allowance.</source>
        <translation>This tier counts no allowance.</translation>
    </message>
    <message>
        <source>Nobody named yet: use Care team….</source>
        <translation>Nobody named yet: use Care team….</translation>
    </message>
    <message>
        <source>Allowed by the director: {reason}</source>
        <translation>Allowed by the director: {reason}</translation>
    </message>
    <message>
        <source>Renewed. The membership had lapsed, so the new term starts today: {first} to {last}.</source>
        <translation>Renewed. The membership had lapsed, so the new term starts today: {first} to {last}.</translation>
    </message>
    <message>
        <source>Renewed: the membership now runs to {last}.</source>
        <translation>Renewed: the membership now runs to {last}.</translation>
    </message>
    <message>
        <source>Enrolled. Card number {card}, valid {first} to {last}.</source>
        <translation>Enrolled. Card number {card}, valid {first} to {last}.</translation>
    </message>
    <message>
        <source>Recorded. {allowance}</source>
        <translation>Recorded. {allowance}</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Saved.</translation>
    </message>
    <message>
        <source>Resumed. The membership now ends on {last}.</source>
        <translation>Resumed. The membership now ends on {last}.</translation>
    </message>
</context>
<context>
    <name>Membership</name>
    <message>
        <source>Priority booking and held slots</source>
        <translation>Priority booking and held slots</translation>
    </message>
    <message>
        <source>Health record management</source>
        <translation>Health record management</translation>
    </message>
    <message>
        <source>Annual health plan</source>
        <translation>Annual health plan</translation>
    </message>
    <message>
        <source>Family-doctor home visits</source>
        <translation>Family-doctor home visits</translation>
    </message>
    <message>
        <source>Referral help to top hospitals</source>
        <translation>Referral help to top hospitals</translation>
    </message>
    <message>
        <source>Private health butler: a named care team</source>
        <translation>Private health butler: a named care team</translation>
    </message>
    <message>
        <source>included</source>
        <translation>included</translation>
    </message>
    <message>
        <source>so many per period</source>
        <translation>so many per period</translation>
    </message>
    <message>
        <source>active</source>
        <translation>active</translation>
    </message>
    <message>
        <source>suspended</source>
        <translation>suspended</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>expired</translation>
    </message>
    <message>
        <source>not begun yet</source>
        <translation>not begun yet</translation>
    </message>
    <message>
        <source>cash</source>
        <translation>cash</translation>
    </message>
    <message>
        <source>bank card</source>
        <translation>bank card</translation>
    </message>
    <message>
        <source>WeChat Pay</source>
        <translation>WeChat Pay</translation>
    </message>
    <message>
        <source>Alipay</source>
        <translation>Alipay</translation>
    </message>
    <message>
        <source>bank transfer</source>
        <translation>bank transfer</translation>
    </message>
    <message>
        <source>other</source>
        <translation>other</translation>
    </message>
    <message>
        <source>payment</source>
        <translation>payment</translation>
    </message>
    <message>
        <source>refund</source>
        <translation>refund</translation>
    </message>
    <message>
        <source>self</source>
        <translation>self</translation>
    </message>
    <message>
        <source>spouse</source>
        <translation>spouse</translation>
    </message>
    <message>
        <source>child</source>
        <translation>child</translation>
    </message>
    <message>
        <source>parent</source>
        <translation>parent</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>doctor</translation>
    </message>
    <message>
        <source>nutritionist</source>
        <translation>nutritionist</translation>
    </message>
    <message>
        <source>trainer</source>
        <translation>trainer</translation>
    </message>
    <message>
        <source>enrolled</source>
        <translation>enrolled</translation>
    </message>
    <message>
        <source>renewed</source>
        <translation>renewed</translation>
    </message>
    <message>
        <source>upgraded</source>
        <translation>upgraded</translation>
    </message>
    <message>
        <source>downgraded</source>
        <translation>downgraded</translation>
    </message>
    <message>
        <source>tier changed</source>
        <translation>tier changed</translation>
    </message>
    <message>
        <source>resumed</source>
        <translation>resumed</translation>
    </message>
    <message>
        <source>member added</source>
        <translation>member added</translation>
    </message>
    <message>
        <source>member removed</source>
        <translation>member removed</translation>
    </message>
    <message>
        <source>payment recorded</source>
        <translation>payment recorded</translation>
    </message>
    <message>
        <source>refund recorded</source>
        <translation>refund recorded</translation>
    </message>
    <message>
        <source>care team changed</source>
        <translation>care team changed</translation>
    </message>
    <message>
        <source>benefit used</source>
        <translation>benefit used</translation>
    </message>
    <message>
        <source>benefit use undone</source>
        <translation>benefit use undone</translation>
    </message>
    <message>
        <source>allowance overridden</source>
        <translation>allowance overridden</translation>
    </message>
    <message>
        <source>overdraft reviewed</source>
        <translation>overdraft reviewed</translation>
    </message>
    <message>
        <source>note</source>
        <translation>note</translation>
    </message>
</context>
<context>
    <name>MembershipCardDialog</name>
    <message>
        <source>Print membership card</source>
        <translation>Print membership card</translation>
    </message>
    <message>
        <source>Where will the card be printed?</source>
        <translation>Where will the card be printed?</translation>
    </message>
    <message>
        <source>On a card printer (85.6 × 54 mm cards, the front then the back)</source>
        <translation>On a card printer (85.6 × 54 mm cards, the front then the back)</translation>
    </message>
    <message>
        <source>On A4 paper, to cut out (the front and back side by side)</source>
        <translation>On A4 paper, to cut out (the front and back side by side)</translation>
    </message>
    <message>
        <source>Preview…</source>
        <translation>Preview…</translation>
    </message>
</context>
<context>
    <name>MembershipPage</name>
    <message>
        <source>Type an amount in yuan, for example 3980 or 3980.50 (two decimals at most).</source>
        <translation>Type an amount in yuan, for example 3980 or 3980.50 (two decimals at most).</translation>
    </message>
    <message>
        <source>%n month(s)</source>
        <translation>%n month(s)</translation>
    </message>
    <message>
        <source>%n year(s)</source>
        <translation>%n year(s)</translation>
    </message>
    <message>
        <source>month(s)</source>
        <translation>month(s)</translation>
    </message>
    <message>
        <source>year(s)</source>
        <translation>year(s)</translation>
    </message>
    <message>
        <source>%n a month</source>
        <translation>%n a month</translation>
    </message>
    <message>
        <source>{n} every {months} months</source>
        <translation>{n} every {months} months</translation>
    </message>
    <message>
        <source>%n a year</source>
        <translation>%n a year</translation>
    </message>
    <message>
        <source>{n} every {years} years</source>
        <translation>{n} every {years} years</translation>
    </message>
    <message>
        <source>{benefit}: {every}</source>
        <translation>{benefit}: {every}</translation>
    </message>
    <message>
        <source>{benefit}: {used} of {quota} used, {span}</source>
        <translation>{benefit}: {used} of {quota} used, {span}</translation>
    </message>
    <message>
        <source>ended %n day(s) ago</source>
        <translation>ended %n day(s) ago</translation>
    </message>
    <message>
        <source>%n day(s)</source>
        <translation>%n day(s)</translation>
    </message>
    <message>
        <source>1 person</source>
        <translation>1 person</translation>
    </message>
    <message>
        <source>up to %n people</source>
        <translation>up to %n people</translation>
    </message>
    <message>
        <source>{price} for {period} · {people}</source>
        <translation>{price} for {period} · {people}</translation>
    </message>
    <message>
        <source>The new tier starts a new full period today; nothing is credited.</source>
        <translation>The new tier starts a new full period today; nothing is credited.</translation>
    </message>
    <message>
        <source>The unused days of the old tier are credited; the new tier is charged for the days left.</source>
        <translation>The unused days of the old tier are credited; the new tier is charged for the days left.</translation>
    </message>
    <message>
        <source>The unused whole months of the old tier are credited; the new tier is charged for the months left, a month begun counting as used.</source>
        <translation>The unused whole months of the old tier are credited; the new tier is charged for the months left, a month begun counting as used.</translation>
    </message>
    <message>
        <source>ends on {before} → {after}</source>
        <translation>ends on {before} → {after}</translation>
    </message>
    <message>
        <source>had lapsed</source>
        <translation>had lapsed</translation>
    </message>
    <message>
        <source>suspended %n day(s)</source>
        <translation>suspended %n day(s)</translation>
    </message>
    <message>
        <source>{used} of {quota}</source>
        <translation>{used} of {quota}</translation>
    </message>
    <message>
        <source>to pay {sum}</source>
        <translation>to pay {sum}</translation>
    </message>
    <message>
        <source>to refund {sum}</source>
        <translation>to refund {sum}</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Members</translation>
    </message>
    <message>
        <source>Tiers</source>
        <translation>Tiers</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>Reports</translation>
    </message>
</context>
<context>
    <name>MembershipTab</name>
    <message>
        <source>Membership</source>
        <extracomment>the membership page&apos;s feature key, and what the file asks it to show who may read a patient&apos;s membership in full (the service checks the same) show something on another page: (&quot;membership&quot;, (&quot;open&quot;, id) | (&quot;enrol&quot;, patient id)) the membership was read (MembershipView or None); the file&apos;s header shows its tag</extracomment>
        <translation>Membership</translation>
    </message>
    <message>
        <source>Open in Membership</source>
        <translation>Open in Membership</translation>
    </message>
    <message>
        <source>Renew, change the tier, record a payment or print the card</source>
        <translation>Renew, change the tier, record a payment or print the card</translation>
    </message>
    <message>
        <source>Enrol…</source>
        <translation>Enrol…</translation>
    </message>
    <message>
        <source>Enrol this patient in a membership tier</source>
        <translation>Enrol this patient in a membership tier</translation>
    </message>
    <message>
        <source>Card number</source>
        <translation>Card number</translation>
    </message>
    <message>
        <source>Valid</source>
        <translation>Valid</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Paid by</source>
        <translation>Paid by</translation>
    </message>
    <message>
        <source>Benefits</source>
        <translation>Benefits</translation>
    </message>
    <message>
        <source>Allowances left</source>
        <translation>Allowances left</translation>
    </message>
    <message>
        <source>Family members</source>
        <translation>Family members</translation>
    </message>
    <message>
        <source>Care team</source>
        <translation>Care team</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Not a member</source>
        <translation>Not a member</translation>
    </message>
    <message>
        <source>{tier} membership, {status}</source>
        <translation>{tier} membership, {status}</translation>
    </message>
    <message>
        <source>{start} to {end}</source>
        <translation>{start} to {end}</translation>
    </message>
    <message numerus="yes">
        <source>(%n day(s) left)</source>
        <translation>
            <numerusform>(%n day left)</numerusform>
            <numerusform>(%n days left)</numerusform>
        </translation>
    </message>
    <message>
        <source>{status} since {day}: benefits cannot be used until resumed</source>
        <translation>{status} since {day}: benefits cannot be used until resumed</translation>
    </message>
    <message>
        <source>· renewal due</source>
        <translation>· renewal due</translation>
    </message>
    <message>
        <source>{name} (this patient)</source>
        <translation>{name} (this patient)</translation>
    </message>
    <message>
        <source>Not named yet</source>
        <translation>Not named yet</translation>
    </message>
    <message>
        <source>none</source>
        <translation>none</translation>
    </message>
    <message>
        <source>{benefit}: {left} of {quota} left ({first} to {last})</source>
        <translation>{benefit}: {left} of {quota} left ({first} to {last})</translation>
    </message>
    <message>
        <source>{benefit}: {used} of {quota} used, over by {over} ({first} to {last})</source>
        <translation>{benefit}: {used} of {quota} used, over by {over} ({first} to {last})</translation>
    </message>
    <message>
        <source>{relation}, payer</source>
        <translation>{relation}, payer</translation>
    </message>
    <message>
        <source>{role}: {name}</source>
        <translation>{role}: {name}</translation>
    </message>
    <message>
        <source>Enrolled.</source>
        <translation>Enrolled.</translation>
    </message>
</context>
<context>
    <name>MergeDialog</name>
    <message>
        <source>Merge a duplicate record</source>
        <translation>Merge a duplicate record</translation>
    </message>
    <message>
        <source>Find the other record of this same patient: type a name, pinyin, phone digits, ID or record number, then choose it in the list.</source>
        <translation>Find the other record of this same patient: type a name, pinyin, phone digits, ID or record number, then choose it in the list.</translation>
    </message>
    <message>
        <source>Search for the duplicate</source>
        <translation>Search for the duplicate</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>Record no.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>ID document</source>
        <translation>ID document</translation>
    </message>
    <message>
        <source>This record (kept)</source>
        <translation>This record (kept)</translation>
    </message>
    <message>
        <source>Duplicate (merged into it)</source>
        <translation>Duplicate (merged into it)</translation>
    </message>
    <message>
        <source>Why are these the same patient? (required)</source>
        <translation>Why are these the same patient? (required)</translation>
    </message>
    <message>
        <source>e.g. same ID number; registered twice at the desk</source>
        <translation>e.g. same ID number; registered twice at the desk</translation>
    </message>
    <message>
        <source>Everything recorded for the duplicate moves to this record; the duplicate is kept, marked as merged, and cannot be edited. This cannot be undone from the screen.</source>
        <translation>Everything recorded for the duplicate moves to this record; the duplicate is kept, marked as merged, and cannot be edited. This cannot be undone from the screen.</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>Merge</translation>
    </message>
    <message>
        <source>Choose the duplicate record in the list first.</source>
        <translation>Choose the duplicate record in the list first.</translation>
    </message>
</context>
<context>
    <name>MessageTemplatesTab</name>
    <message>
        <source>%n characters: too long for an SMS (at most {top}); it can go only by e-mail.</source>
        <translation>%n characters: too long for an SMS (at most {top}); it can go only by e-mail.</translation>
    </message>
    <message>
        <source>%n characters: 1 SMS.</source>
        <translation>%n characters: 1 SMS.</translation>
    </message>
    <message>
        <source>%n characters: sent as {parts} SMS joined together ({single} characters fit in one).</source>
        <translation>%n characters: sent as {parts} SMS joined together ({single} characters fit in one).</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Subject (e-mail)</source>
        <translation>Subject (e-mail)</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>In use</translation>
    </message>
    <message>
        <source>Preview for a sample patient (Ms Zhang, tomorrow 09:30)</source>
        <translation>Preview for a sample patient (Ms Zhang, tomorrow 09:30)</translation>
    </message>
    <message>
        <source>Only a supervisor (the director or a health manager) can change the wording.</source>
        <translation>Only a supervisor (the director or a health manager) can change the wording.</translation>
    </message>
    <message>
        <source>Restore the default…</source>
        <translation>Restore the default…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>{name} (changed)</source>
        <translation>{name} (changed)</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>Unsaved changes</translation>
    </message>
    <message>
        <source>The changes to “{name}” are not saved. Discard them?</source>
        <translation>The changes to “{name}” are not saved. Discard them?</translation>
    </message>
    <message>
        <source>Subject: {subject}</source>
        <translation>Subject: {subject}</translation>
    </message>
    <message>
        <source>Changed here, not saved yet.</source>
        <translation>Changed here, not saved yet.</translation>
    </message>
    <message>
        <source>The shipped wording.</source>
        <translation>The shipped wording.</translation>
    </message>
    <message>
        <source>Changed by the clinic.</source>
        <translation>Changed by the clinic.</translation>
    </message>
    <message>
        <source>Saved. New messages use this wording.</source>
        <translation>Saved. New messages use this wording.</translation>
    </message>
    <message>
        <source>Restore the default wording</source>
        <translation>Restore the default wording</translation>
    </message>
    <message>
        <source>Replace the wording of “{name}” with the one ClinicDesk ships?</source>
        <translation>Replace the wording of “{name}” with the one ClinicDesk ships?</translation>
    </message>
    <message>
        <source>The default wording is back.</source>
        <translation>The default wording is back.</translation>
    </message>
</context>
<context>
    <name>Metric</name>
    <message>
        <source>Satisfaction</source>
        <translation>Satisfaction</translation>
    </message>
    <message>
        <source>Complaints closed</source>
        <translation>Complaints closed</translation>
    </message>
    <message>
        <source>Complaints closed on time</source>
        <translation>Complaints closed on time</translation>
    </message>
    <message>
        <source>No-show rate</source>
        <translation>No-show rate</translation>
    </message>
    <message>
        <source>Average wait</source>
        <translation>Average wait</translation>
    </message>
    <message>
        <source>Wait, 90th percentile</source>
        <translation>Wait, 90th percentile</translation>
    </message>
    <message>
        <source>Long waits</source>
        <translation>Long waits</translation>
    </message>
    <message>
        <source>Follow-up rate</source>
        <translation>Follow-up rate</translation>
    </message>
    <message>
        <source>Revisit booking rate</source>
        <translation>Revisit booking rate</translation>
    </message>
    <message>
        <source>Booked visits</source>
        <translation>Booked visits</translation>
    </message>
    <message>
        <source>Prescription corrections</source>
        <translation>Prescription corrections</translation>
    </message>
</context>
<context>
    <name>MissingPanel</name>
    <message>
        <source>Day</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Doctors count on the days they are rostered, everyone else on the days the clinic is open. Today is listed from tomorrow: the check is done at the day&apos;s end.</source>
        <translation>Doctors count on the days they are rostered, everyone else on the days the clinic is open. Today is listed from tomorrow: the check is done at the day&apos;s end.</translation>
    </message>
    <message>
        <source>Everyone who worked submitted their self-check.</source>
        <translation>Everyone who worked submitted their self-check.</translation>
    </message>
</context>
<context>
    <name>OptOutDialog</name>
    <message>
        <source>Calls and messages</source>
        <translation>Calls and messages</translation>
    </message>
    <message>
        <source>What the patient agreed to. Ticking a box stops that kind of contact; unticking it later reopens nothing.</source>
        <translation>What the patient agreed to. Ticking a box stops that kind of contact; unticking it later reopens nothing.</translation>
    </message>
    <message>
        <source>The patient does not want follow-up calls</source>
        <translation>The patient does not want follow-up calls</translation>
    </message>
    <message>
        <source>The patient does not want messages</source>
        <translation>The patient does not want messages</translation>
    </message>
    <message>
        <source>Note (when and how they said so)</source>
        <translation>Note (when and how they said so)</translation>
    </message>
    <message numerus="yes">
        <source>%n open follow-up call(s) will be closed.</source>
        <translation>
            <numerusform>%n open follow-up call will be closed.</numerusform>
            <numerusform>%n open follow-up calls will be closed.</numerusform>
        </translation>
    </message>
    <message>
        <source>Open follow-up calls will be closed.</source>
        <translation>Open follow-up calls will be closed.</translation>
    </message>
    <message numerus="yes">
        <source>%n open message follow-up(s) will be closed.</source>
        <translation>
            <numerusform>%n open message follow-up will be closed.</numerusform>
            <numerusform>%n open message follow-ups will be closed.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n queued message(s) will be cancelled.</source>
        <translation>
            <numerusform>%n queued message will be cancelled.</numerusform>
            <numerusform>%n queued messages will be cancelled.</numerusform>
        </translation>
    </message>
    <message>
        <source>Queued messages will be cancelled.</source>
        <translation>Queued messages will be cancelled.</translation>
    </message>
    <message>
        <source>Save?</source>
        <translation>Save?</translation>
    </message>
</context>
<context>
    <name>Outbox</name>
    <message>
        <source>No mail server is set, so e-mail waits. Set the mail server in Settings &gt; Messages.</source>
        <translation>No mail server is set, so e-mail waits. Set the mail server in Settings &gt; Messages.</translation>
    </message>
    <message>
        <source>No sender address is set, so e-mail waits. Set &apos;Send e-mail as&apos; (or the mail server user name) in Settings &gt; Messages.</source>
        <translation>No sender address is set, so e-mail waits. Set &apos;Send e-mail as&apos; (or the mail server user name) in Settings &gt; Messages.</translation>
    </message>
    <message>
        <source>Choose the mail server security (starttls, ssl or none).</source>
        <translation>Choose the mail server security (starttls, ssl or none).</translation>
    </message>
    <message>
        <source>{address} is not an e-mail address ({detail}). Correct it in the patient&apos;s record.</source>
        <translation>{address} is not an e-mail address ({detail}). Correct it in the patient&apos;s record.</translation>
    </message>
    <message>
        <source>The mail server {host}:{port} did not answer within {seconds} seconds. The message stays queued and is tried again later.</source>
        <translation>The mail server {host}:{port} did not answer within {seconds} seconds. The message stays queued and is tried again later.</translation>
    </message>
    <message>
        <source>The mail server&apos;s certificate could not be verified ({detail}). Check the server name in Settings &gt; Messages.</source>
        <translation>The mail server&apos;s certificate could not be verified ({detail}). Check the server name in Settings &gt; Messages.</translation>
    </message>
    <message>
        <source>A secure connection to the mail server failed ({detail}). Check the security setting: usually ssl for port 465 and starttls for port 587.</source>
        <translation>A secure connection to the mail server failed ({detail}). Check the security setting: usually ssl for port 465 and starttls for port 587.</translation>
    </message>
    <message>
        <source>Cannot reach the mail server {host}:{port} ({detail}). Check the server and port in Settings &gt; Messages and the network; the message is tried again later.</source>
        <translation>Cannot reach the mail server {host}:{port} ({detail}). Check the server and port in Settings &gt; Messages and the network; the message is tried again later.</translation>
    </message>
    <message>
        <source>The mail server {host} turned the connection away: {reply}. The message is tried again later.</source>
        <translation>The mail server {host} turned the connection away: {reply}. The message is tried again later.</translation>
    </message>
    <message>
        <source>The mail server {host} does not offer STARTTLS. Choose &apos;ssl&apos; (usually port 465) or, only inside the clinic&apos;s own network, &apos;none&apos; in Settings &gt; Messages.</source>
        <translation>The mail server {host} does not offer STARTTLS. Choose &apos;ssl&apos; (usually port 465) or, only inside the clinic&apos;s own network, &apos;none&apos; in Settings &gt; Messages.</translation>
    </message>
    <message>
        <source>The mail server did not accept the user name or password ({reply}). Check them in Settings &gt; Messages; many mail services want an app password (授权码) here.</source>
        <translation>The mail server did not accept the user name or password ({reply}). Check them in Settings &gt; Messages; many mail services want an app password (授权码) here.</translation>
    </message>
    <message>
        <source>The mail server does not take a user name and password on this connection. Choose &apos;starttls&apos; or &apos;ssl&apos;, or clear the user name.</source>
        <translation>The mail server does not take a user name and password on this connection. Choose &apos;starttls&apos; or &apos;ssl&apos;, or clear the user name.</translation>
    </message>
    <message>
        <source>The mail server refused the address {address}: {reply}. Check the address in the patient&apos;s record.</source>
        <translation>The mail server refused the address {address}: {reply}. Check the address in the patient&apos;s record.</translation>
    </message>
    <message>
        <source>The mail server did not take the message for {address} for now: {reply}. It is tried again later.</source>
        <translation>The mail server did not take the message for {address} for now: {reply}. It is tried again later.</translation>
    </message>
    <message>
        <source>The mail server refused the sender address {sender}: {reply}. Check &apos;Send e-mail as&apos; in Settings &gt; Messages.</source>
        <translation>The mail server refused the sender address {sender}: {reply}. Check &apos;Send e-mail as&apos; in Settings &gt; Messages.</translation>
    </message>
    <message>
        <source>The mail server refused the message: {reply}.</source>
        <translation>The mail server refused the message: {reply}.</translation>
    </message>
    <message>
        <source>The mail server did not take the message for now: {reply}. It is tried again later.</source>
        <translation>The mail server did not take the message for now: {reply}. It is tried again later.</translation>
    </message>
    <message>
        <source>The mail server cannot take the address {address} (it has characters beyond plain letters and digits). Use another address.</source>
        <translation>The mail server cannot take the address {address} (it has characters beyond plain letters and digits). Use another address.</translation>
    </message>
    <message>
        <source>The message gateway plug-in &apos;{name}&apos; could not be used ({detail}). Reinstall or remove it; until then its channel&apos;s messages wait for the batch file.</source>
        <translation>The message gateway plug-in &apos;{name}&apos; could not be used ({detail}). Reinstall or remove it; until then its channel&apos;s messages wait for the batch file.</translation>
    </message>
    <message>
        <source>Appointment reminder, a week before</source>
        <translation>Appointment reminder, a week before</translation>
    </message>
    <message>
        <source>After the visit: advice and revisit</source>
        <translation>After the visit: advice and revisit</translation>
    </message>
    <message>
        <source>Missed appointment</source>
        <translation>Missed appointment</translation>
    </message>
    <message>
        <source>Health reminder (campaign)</source>
        <translation>Health reminder (campaign)</translation>
    </message>
    <message>
        <source>Membership renewal, before it ends</source>
        <translation>Membership renewal, before it ends</translation>
    </message>
    <message>
        <source>how the patient is addressed (张女士)</source>
        <translation>how the patient is addressed (张女士)</translation>
    </message>
    <message>
        <source>the clinic&apos;s name</source>
        <translation>the clinic&apos;s name</translation>
    </message>
    <message>
        <source>the clinic&apos;s phone</source>
        <translation>the clinic&apos;s phone</translation>
    </message>
    <message>
        <source>the appointment&apos;s date</source>
        <translation>the appointment&apos;s date</translation>
    </message>
    <message>
        <source>the appointment&apos;s time</source>
        <translation>the appointment&apos;s time</translation>
    </message>
    <message>
        <source>the appointment&apos;s day of the week</source>
        <translation>the appointment&apos;s day of the week</translation>
    </message>
    <message>
        <source>the doctor&apos;s name</source>
        <translation>the doctor&apos;s name</translation>
    </message>
    <message>
        <source>message</source>
        <translation>message</translation>
    </message>
    <message>
        <source>asked for no messages</source>
        <translation>asked for no messages</translation>
    </message>
    <message>
        <source>deceased</source>
        <translation>deceased</translation>
    </message>
    <message>
        <source>no mobile, e-mail or WeChat</source>
        <translation>no mobile, e-mail or WeChat</translation>
    </message>
    <message>
        <source>e-mail address not valid</source>
        <translation>e-mail address not valid</translation>
    </message>
    <message>
        <source>already queued</source>
        <translation>already queued</translation>
    </message>
    <message>
        <source>text would mention their diagnosis or medicine</source>
        <translation>text would mention their diagnosis or medicine</translation>
    </message>
    <message>
        <source>template switched off</source>
        <translation>template switched off</translation>
    </message>
    <message>
        <source>template needs a value it was not given</source>
        <translation>template needs a value it was not given</translation>
    </message>
    <message>
        <source>too long for a text message</source>
        <translation>too long for a text message</translation>
    </message>
    <message>
        <source>the clinic&apos;s phone is not set</source>
        <translation>the clinic&apos;s phone is not set</translation>
    </message>
    <message>
        <source>Sending stopped unexpectedly ({detail}); it is not known whether the message went. Check, then retry it with confirmation.</source>
        <translation>Sending stopped unexpectedly ({detail}); it is not known whether the message went. Check, then retry it with confirmation.</translation>
    </message>
    <message>
        <source>campaign message</source>
        <translation>campaign message</translation>
    </message>
</context>
<context>
    <name>OutboxPanel</name>
    <message>
        <source>Queued</source>
        <translation>Queued</translation>
    </message>
    <message>
        <source>Sending (result unknown)</source>
        <translation>Sending (result unknown)</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Sent</translation>
    </message>
    <message>
        <source>Exported</source>
        <translation>Exported</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Failed</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>SMS</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>WeChat</translation>
    </message>
    <message>
        <source>Reminders and health messages waiting to go, and what became of each. E-mails go through the clinic&apos;s mail server; SMS and WeChat messages are exported as a batch file for the bulk-messaging platform.</source>
        <translation>Reminders and health messages waiting to go, and what became of each. E-mails go through the clinic&apos;s mail server; SMS and WeChat messages are exported as a batch file for the bulk-messaging platform.</translation>
    </message>
    <message>
        <source>Send due e-mails now</source>
        <translation>Send due e-mails now</translation>
    </message>
    <message>
        <source>Export SMS batch…</source>
        <translation>Export SMS batch…</translation>
    </message>
    <message>
        <source>Export WeChat batch…</source>
        <translation>Export WeChat batch…</translation>
    </message>
    <message>
        <source>Queue a message…</source>
        <translation>Queue a message…</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Try again</translation>
    </message>
    <message>
        <source>Put a failed message back in the queue</source>
        <translation>Put a failed message back in the queue</translation>
    </message>
    <message>
        <source>Mark to send again…</source>
        <translation>Mark to send again…</translation>
    </message>
    <message>
        <source>For a message whose result is unknown, or an exported one the platform did not send: put it back in the queue</source>
        <translation>For a message whose result is unknown, or an exported one the platform did not send: put it back in the queue</translation>
    </message>
    <message>
        <source>It did arrive</source>
        <translation>It did arrive</translation>
    </message>
    <message>
        <source>For a message whose result is unknown that you checked reached the patient</source>
        <translation>For a message whose result is unknown that you checked reached the patient</translation>
    </message>
    <message>
        <source>Cancel message…</source>
        <translation>Cancel message…</translation>
    </message>
    <message>
        <source>When due</source>
        <translation>When due</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>Purpose</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Tries</source>
        <translation>Tries</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Last error</translation>
    </message>
    <message>
        <source>Sent at</source>
        <translation>Sent at</translation>
    </message>
    <message>
        <source>{state} ({n})</source>
        <translation>{state} ({n})</translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) were handed to the mail server but no answer came back (the connection broke or ClinicDesk stopped): whether they arrived is unknown. They are not sent again by themselves. Ask the patient or check the mail server&apos;s log; if one did not arrive, choose it in the “Sending (result unknown)” list and use “Mark to send again…”; if it did, “It did arrive”.</source>
        <translation>
            <numerusform>%n message were handed to the mail server but no answer came back (the connection broke or ClinicDesk stopped): whether they arrived is unknown. They are not sent again by themselves. Ask the patient or check the mail server&apos;s log; if one did not arrive, choose it in the “Sending (result unknown)” list and use “Mark to send again…”; if it did, “It did arrive”.</numerusform>
            <numerusform>%n messages were handed to the mail server but no answer came back (the connection broke or ClinicDesk stopped): whether they arrived is unknown. They are not sent again by themselves. Ask the patient or check the mail server&apos;s log; if one did not arrive, choose it in the “Sending (result unknown)” list and use “Mark to send again…”; if it did, “It did arrive”.</numerusform>
        </translation>
    </message>
    <message>
        <source>Why cancelled</source>
        <translation>Why cancelled</translation>
    </message>
    <message>
        <source>Sent or not: unknown. See the warning above.</source>
        <translation>Sent or not: unknown. See the warning above.</translation>
    </message>
    <message>
        <source>Only the latest {n} are listed.</source>
        <translation>Only the latest {n} are listed.</translation>
    </message>
    <message>
        <source>No messages in this list.</source>
        <translation>No messages in this list.</translation>
    </message>
    <message>
        <source>{channel} messages go through the “{name}” plug-in.</source>
        <translation>{channel} messages go through the “{name}” plug-in.</translation>
    </message>
    <message>
        <source>Last error: {reason}</source>
        <translation>Last error: {reason}</translation>
    </message>
    <message>
        <source>Sending the due e-mails…</source>
        <translation>Sending the due e-mails…</translation>
    </message>
    <message>
        <source>No e-mails were due.</source>
        <translation>No e-mails were due.</translation>
    </message>
    <message numerus="yes">
        <source>%n e-mail(s) sent.</source>
        <translation>
            <numerusform>%n e-mail sent.</numerusform>
            <numerusform>%n e-mails sent.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n could not be delivered (see “Failed”).</source>
        <translation>
            <numerusform>%n could not be delivered (see “Failed”).</numerusform>
            <numerusform>%n could not be delivered (see “Failed”).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n wait for the sending hours ({start}–{end}).</source>
        <translation>
            <numerusform>%n waits for the sending hours ({start}–{end}).</numerusform>
            <numerusform>%n wait for the sending hours ({start}–{end}).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n stay queued and are tried again later.</source>
        <translation>
            <numerusform>%n stays queued and is tried again later.</numerusform>
            <numerusform>%n stay queued and are tried again later.</numerusform>
        </translation>
    </message>
    <message>
        <source>Save the SMS batch as</source>
        <translation>Save the SMS batch as</translation>
    </message>
    <message>
        <source>Save the WeChat batch as</source>
        <translation>Save the WeChat batch as</translation>
    </message>
    <message>
        <source>CSV file (*.csv)</source>
        <translation>CSV file (*.csv)</translation>
    </message>
    <message>
        <source>Writing the batch file…</source>
        <translation>Writing the batch file…</translation>
    </message>
    <message>
        <source>No SMS messages are waiting to be exported; no file was written.</source>
        <translation>No SMS messages are waiting to be exported; no file was written.</translation>
    </message>
    <message>
        <source>No WeChat messages are waiting to be exported; no file was written.</source>
        <translation>No WeChat messages are waiting to be exported; no file was written.</translation>
    </message>
    <message numerus="yes">
        <source>%n SMS message(s) saved to {path}.</source>
        <translation>
            <numerusform>%n SMS message saved to {path}.</numerusform>
            <numerusform>%n SMS messages saved to {path}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n WeChat message(s) saved to {path}.</source>
        <translation>
            <numerusform>%n WeChat message saved to {path}.</numerusform>
            <numerusform>%n WeChat messages saved to {path}.</numerusform>
        </translation>
    </message>
    <message>
        <source>Upload the file to the bulk-messaging platform; it also opens in Excel or WPS. These messages are now marked exported (batch {batch}) and will not be exported again.</source>
        <translation>Upload the file to the bulk-messaging platform; it also opens in Excel or WPS. These messages are now marked exported (batch {batch}) and will not be exported again.</translation>
    </message>
    <message>
        <source>The message is back in the queue.</source>
        <translation>The message is back in the queue.</translation>
    </message>
    <message>
        <source>This message to {patient} went out in the batch file {batch}. Put it back in the queue only if the platform did not send it: otherwise the patient gets it twice.</source>
        <translation>This message to {patient} went out in the batch file {batch}. Put it back in the queue only if the platform did not send it: otherwise the patient gets it twice.</translation>
    </message>
    <message>
        <source>Whether this message reached {patient} is unknown: the mail server took it but its answer never came. If it did arrive, sending again means the patient gets it twice. Put it back in the queue?</source>
        <translation>Whether this message reached {patient} is unknown: the mail server took it but its answer never came. If it did arrive, sending again means the patient gets it twice. Put it back in the queue?</translation>
    </message>
    <message>
        <source>Send again?</source>
        <translation>Send again?</translation>
    </message>
    <message>
        <source>The message is back in the queue and goes with the next sending.</source>
        <translation>The message is back in the queue and goes with the next sending.</translation>
    </message>
    <message>
        <source>The message is marked as sent.</source>
        <translation>The message is marked as sent.</translation>
    </message>
    <message>
        <source>Cancel the message</source>
        <translation>Cancel the message</translation>
    </message>
    <message>
        <source>Why is the message to {patient} cancelled?</source>
        <translation>Why is the message to {patient} cancelled?</translation>
    </message>
    <message>
        <source>The message was cancelled; it will not be sent.</source>
        <translation>The message was cancelled; it will not be sent.</translation>
    </message>
</context>
<context>
    <name>OverviewTab</name>
    <message>
        <source>ID document</source>
        <translation>ID document</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>Phones</source>
        <translation>Phones</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Occupation and title</source>
        <translation>Occupation and title</translation>
    </message>
    <message>
        <source>Contact by</source>
        <translation>Contact by</translation>
    </message>
    <message>
        <source>Came to us by</source>
        <translation>Came to us by</translation>
    </message>
    <message>
        <source>Emergency contact</source>
        <translation>Emergency contact</translation>
    </message>
    <message>
        <source>Notes for the desk</source>
        <translation>Notes for the desk</translation>
    </message>
    <message>
        <source>Allergies</source>
        <translation>Allergies</translation>
    </message>
    <message>
        <source>Current medication</source>
        <translation>Current medication</translation>
    </message>
    <message>
        <source>Chronic conditions</source>
        <translation>Chronic conditions</translation>
    </message>
    <message>
        <source>Substance</source>
        <translation>Substance</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Severity</translation>
    </message>
    <message>
        <source>Reaction</source>
        <translation>Reaction</translation>
    </message>
    <message>
        <source>Medicine</source>
        <translation>Medicine</translation>
    </message>
    <message>
        <source>Dose</source>
        <translation>Dose</translation>
    </message>
    <message>
        <source>How often</source>
        <translation>How often</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>Condition</translation>
    </message>
    <message>
        <source>ICD-10</source>
        <translation>ICD-10</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Since</translation>
    </message>
    <message>
        <source>Add allergy…</source>
        <translation>Add allergy…</translation>
    </message>
    <message>
        <source>Entered in error…</source>
        <translation>Entered in error…</translation>
    </message>
    <message>
        <source>Add medicine…</source>
        <translation>Add medicine…</translation>
    </message>
    <message>
        <source>Stopped…</source>
        <translation>Stopped…</translation>
    </message>
    <message>
        <source>Add condition…</source>
        <translation>Add condition…</translation>
    </message>
    <message>
        <source>Record vital signs…</source>
        <translation>Record vital signs…</translation>
    </message>
    <message>
        <source>Add allergy</source>
        <translation>Add allergy</translation>
    </message>
    <message>
        <source>Substance (medicine, food…)</source>
        <translation>Substance (medicine, food…)</translation>
    </message>
    <message>
        <source>Choose an allergy in the list first.</source>
        <translation>Choose an allergy in the list first.</translation>
    </message>
    <message>
        <source>Allergy entered in error</source>
        <translation>Allergy entered in error</translation>
    </message>
    <message>
        <source>Why it does not apply</source>
        <translation>Why it does not apply</translation>
    </message>
    <message>
        <source>Add current medicine</source>
        <translation>Add current medicine</translation>
    </message>
    <message>
        <source>Taken since</source>
        <translation>Taken since</translation>
    </message>
    <message>
        <source>Choose a medicine in the list first.</source>
        <translation>Choose a medicine in the list first.</translation>
    </message>
    <message>
        <source>Medicine stopped</source>
        <translation>Medicine stopped</translation>
    </message>
    <message>
        <source>Why it was stopped</source>
        <translation>Why it was stopped</translation>
    </message>
    <message>
        <source>Add chronic condition</source>
        <translation>Add chronic condition</translation>
    </message>
    <message>
        <source>ICD-10 code (optional)</source>
        <translation>ICD-10 code (optional)</translation>
    </message>
</context>
<context>
    <name>PairingDialog</name>
    <message>
        <source>Add a workstation</source>
        <translation>Add a workstation</translation>
    </message>
    <message>
        <source>Name of the new workstation</source>
        <translation>Name of the new workstation</translation>
    </message>
    <message>
        <source>e.g. Dr Wang&apos;s room</source>
        <translation>e.g. Dr Wang&apos;s room</translation>
    </message>
    <message>
        <source>Create pairing code</source>
        <translation>Create pairing code</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>Copy the code</source>
        <translation>Copy the code</translation>
    </message>
    <message>
        <source>A pairing code lets one more computer join this clinic&apos;s sync. Give the computer a name people recognise; it appears in the list of workstations.</source>
        <translation>A pairing code lets one more computer join this clinic&apos;s sync. Give the computer a name people recognise; it appears in the list of workstations.</translation>
    </message>
    <message>
        <source>The pairing code for “{name}”. It is shown only now.</source>
        <translation>The pairing code for “{name}”. It is shown only now.</translation>
    </message>
    <message>
        <source>On the new computer: install ClinicDesk and start it. In the first-run setup choose “Join a clinic that already syncs”. Type the hub address and this code, or scan the QR code into the code field (it carries both), then the director&apos;s user name and password.</source>
        <translation>On the new computer: install ClinicDesk and start it. In the first-run setup choose “Join a clinic that already syncs”. Type the hub address and this code, or scan the QR code into the code field (it carries both), then the director&apos;s user name and password.</translation>
    </message>
    <message>
        <source>Registering the workstation on the hub…</source>
        <translation>Registering the workstation on the hub…</translation>
    </message>
    <message>
        <source>This code expired at {time}. Close this window and create a new one.</source>
        <translation>This code expired at {time}. Close this window and create a new one.</translation>
    </message>
    <message>
        <source>The code works once, until {time}.</source>
        <translation>The code works once, until {time}.</translation>
    </message>
    <message>
        <source>The code is on the clipboard.</source>
        <translation>The code is on the clipboard.</translation>
    </message>
</context>
<context>
    <name>Passphrase</name>
    <message>
        <source>Use at least {n} characters.</source>
        <translation>Use at least {n} characters.</translation>
    </message>
    <message>
        <source>Use at most {n} characters.</source>
        <translation>Use at most {n} characters.</translation>
    </message>
    <message>
        <source>Type a passphrase.</source>
        <translation>Type a passphrase.</translation>
    </message>
    <message>
        <source>Too easy to guess. Use four or more unrelated words, or a sentence only you would say.</source>
        <translation>Too easy to guess. Use four or more unrelated words, or a sentence only you would say.</translation>
    </message>
    <message>
        <source>Do not use the clinic&apos;s name, phone or a login in the passphrase.</source>
        <translation>Do not use the clinic&apos;s name, phone or a login in the passphrase.</translation>
    </message>
    <message>
        <source>Very weak</source>
        <translation>Very weak</translation>
    </message>
    <message>
        <source>Weak</source>
        <translation>Weak</translation>
    </message>
    <message>
        <source>Fair</source>
        <translation>Fair</translation>
    </message>
    <message>
        <source>Strong</source>
        <translation>Strong</translation>
    </message>
    <message>
        <source>Very strong</source>
        <translation>Very strong</translation>
    </message>
</context>
<context>
    <name>PassphrasePage</name>
    <message>
        <source>The two passphrases are not the same. Type the same passphrase twice.</source>
        <translation>The two passphrases are not the same. Type the same passphrase twice.</translation>
    </message>
    <message>
        <source>This computer&apos;s passphrase</source>
        <translation>This computer&apos;s passphrase</translation>
    </message>
    <message>
        <source>Each workstation keeps its own encrypted copy of the clinic&apos;s data, opened by its own passphrase. Choose a sentence only you would say, of four or more unrelated words; Chinese is fine. Keep it where the director can find it, away from the computer.</source>
        <translation>Each workstation keeps its own encrypted copy of the clinic&apos;s data, opened by its own passphrase. Choose a sentence only you would say, of four or more unrelated words; Chinese is fine. Keep it where the director can find it, away from the computer.</translation>
    </message>
    <message>
        <source>The clinic passphrase</source>
        <translation>The clinic passphrase</translation>
    </message>
    <message>
        <source>The clinic passphrase opens the clinic&apos;s data on any computer: a new one, or this one after a repair. Choose a sentence only you would say, of four or more unrelated words; Chinese is fine. Do not lose it: keep it where the director can find it, away from the computer.</source>
        <translation>The clinic passphrase opens the clinic&apos;s data on any computer: a new one, or this one after a repair. Choose a sentence only you would say, of four or more unrelated words; Chinese is fine. Do not lose it: keep it where the director can find it, away from the computer.</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation>Passphrase again</translation>
    </message>
    <message>
        <source>Show what I type</source>
        <translation>Show what I type</translation>
    </message>
</context>
<context>
    <name>Patient</name>
    <message>
        <source>Mobile call</source>
        <translation>Mobile call</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>SMS</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>WeChat</translation>
    </message>
    <message>
        <source>QQ</source>
        <translation>QQ</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>Letter</translation>
    </message>
    <message>
        <source>Home visit</source>
        <translation>Home visit</translation>
    </message>
    <message>
        <source>Walked in</source>
        <translation>Walked in</translation>
    </message>
    <message>
        <source>Phone booking</source>
        <translation>Phone booking</translation>
    </message>
    <message>
        <source>Online booking</source>
        <translation>Online booking</translation>
    </message>
    <message>
        <source>Referral</source>
        <translation>Referral</translation>
    </message>
    <message>
        <source>Free-clinic event</source>
        <translation>Free-clinic event</translation>
    </message>
    <message>
        <source>Recommended by someone</source>
        <translation>Recommended by someone</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>Child</source>
        <translation>Child</translation>
    </message>
    <message>
        <source>Elderly</source>
        <translation>Elderly</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Disabled</translation>
    </message>
    <message>
        <source>Accompanied service</source>
        <translation>Accompanied service</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>Not stated</source>
        <translation>Not stated</translation>
    </message>
    <message>
        <source>Resident ID card (mainland)</source>
        <translation>Resident ID card (mainland)</translation>
    </message>
    <message>
        <source>Hong Kong identity card</source>
        <translation>Hong Kong identity card</translation>
    </message>
    <message>
        <source>Macau identity card</source>
        <translation>Macau identity card</translation>
    </message>
    <message>
        <source>Taiwan ID card</source>
        <translation>Taiwan ID card</translation>
    </message>
    <message>
        <source>Mainland travel permit (HK/Macau)</source>
        <translation>Mainland travel permit (HK/Macau)</translation>
    </message>
    <message>
        <source>Mainland travel permit (Taiwan)</source>
        <translation>Mainland travel permit (Taiwan)</translation>
    </message>
    <message>
        <source>Residence permit (HK/Macau/TW)</source>
        <translation>Residence permit (HK/Macau/TW)</translation>
    </message>
    <message>
        <source>Foreign permanent resident ID</source>
        <translation>Foreign permanent resident ID</translation>
    </message>
    <message>
        <source>Passport</source>
        <translation>Passport</translation>
    </message>
</context>
<context>
    <name>PatientFileDialog</name>
    <message>
        <source>Patient file</source>
        <translation>Patient file</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>PatientFileView</name>
    <message>
        <source>← Search</source>
        <extracomment>show something on another page (feature key, target), as pages do: the membership tab&apos;s &quot;Open in Membership&quot; and &quot;Enrol…&quot; (&quot;membership&quot;, (what, id))</extracomment>
        <translation>← Search</translation>
    </message>
    <message>
        <source>Back to the search (Esc)</source>
        <translation>Back to the search (Esc)</translation>
    </message>
    <message>
        <source>Edit details…</source>
        <translation>Edit details…</translation>
    </message>
    <message>
        <source>Merge a duplicate…</source>
        <translation>Merge a duplicate…</translation>
    </message>
    <message>
        <source>Emergency access…</source>
        <translation>Emergency access…</translation>
    </message>
    <message>
        <source>Open the clinical record outside your role in an emergency. You must give a reason; the access is recorded and reviewed.</source>
        <translation>Open the clinical record outside your role in an emergency. You must give a reason; the access is recorded and reviewed.</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>Print a card, hand-out or form for this patient</source>
        <translation>Print a card, hand-out or form for this patient</translation>
    </message>
    <message>
        <source>Contact card (连心卡)</source>
        <translation>Contact card (连心卡)</translation>
    </message>
    <message>
        <source>First-visit information</source>
        <translation>First-visit information</translation>
    </message>
    <message>
        <source>Follow-up call record, filled in</source>
        <translation>Follow-up call record, filled in</translation>
    </message>
    <message>
        <source>Follow-up call record, blank</source>
        <translation>Follow-up call record, blank</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>Overview</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>Visits</translation>
    </message>
    <message>
        <source>Contact history</source>
        <translation>Contact history</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message numerus="yes">
        <source>%n year(s)</source>
        <translation>
            <numerusform>%n year</numerusform>
            <numerusform>%n years</numerusform>
        </translation>
    </message>
    <message>
        <source>age unknown</source>
        <translation>age unknown</translation>
    </message>
    <message>
        <source>Record no. {no}</source>
        <translation>Record no. {no}</translation>
    </message>
    <message>
        <source>Address as: {form}</source>
        <translation>Address as: {form}</translation>
    </message>
    <message>
        <source>This record was merged into another one.</source>
        <translation>This record was merged into another one.</translation>
    </message>
    <message>
        <source>Allergies: none recorded. Ask the patient.</source>
        <translation>Allergies: none recorded. Ask the patient.</translation>
    </message>
    <message>
        <source>ALLERGIES: {list}</source>
        <translation>ALLERGIES: {list}</translation>
    </message>
    <message>
        <source>Emergency access</source>
        <translation>Emergency access</translation>
    </message>
    <message>
        <source>Why do you need this patient&apos;s clinical record now? Your access is recorded with this reason and reviewed by the director.</source>
        <translation>Why do you need this patient&apos;s clinical record now? Your access is recorded with this reason and reviewed by the director.</translation>
    </message>
    <message>
        <source>Give a reason of at least 4 characters.</source>
        <translation>Give a reason of at least 4 characters.</translation>
    </message>
</context>
<context>
    <name>PatientFollowupsTab</name>
    <message>
        <source>Follow-ups</source>
        <translation>Follow-ups</translation>
    </message>
    <message>
        <source>Add a follow-up…</source>
        <translation>Add a follow-up…</translation>
    </message>
    <message>
        <source>Record death…</source>
        <translation>Record death…</translation>
    </message>
    <message>
        <source>Calls and messages…</source>
        <translation>Calls and messages…</translation>
    </message>
    <message>
        <source>Whether the patient agrees to follow-up calls and to messages</source>
        <translation>Whether the patient agrees to follow-up calls and to messages</translation>
    </message>
    <message>
        <source>Calls and messages to make</source>
        <translation>Calls and messages to make</translation>
    </message>
    <message>
        <source>Calls made</source>
        <translation>Calls made</translation>
    </message>
    <message>
        <source>Follow-up calls are listed for the staff who make them.</source>
        <translation>Follow-up calls are listed for the staff who make them.</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>What</source>
        <translation>What</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>Caller</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Attempts</translation>
    </message>
    <message>
        <source>Called</source>
        <translation>Called</translation>
    </message>
    <message>
        <source>By</source>
        <translation>By</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>Spot check</source>
        <translation>Spot check</translation>
    </message>
    <message>
        <source>Died {day}</source>
        <translation>Died {day}</translation>
    </message>
    <message>
        <source>No calls</source>
        <translation>No calls</translation>
    </message>
    <message>
        <source>No messages</source>
        <translation>No messages</translation>
    </message>
</context>
<context>
    <name>PatientFormDialog</name>
    <message>
        <source>Patient details</source>
        <extracomment>a patient was saved or an existing one chosen: its id</extracomment>
        <translation>Patient details</translation>
    </message>
    <message>
        <source>New patient</source>
        <translation>New patient</translation>
    </message>
    <message>
        <source>Identity</source>
        <translation>Identity</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Contact</translation>
    </message>
    <message>
        <source>About the patient</source>
        <translation>About the patient</translation>
    </message>
    <message>
        <source>Emergency contact and notes</source>
        <translation>Emergency contact and notes</translation>
    </message>
    <message>
        <source>Family name</source>
        <translation>Family name</translation>
    </message>
    <message>
        <source>Given name</source>
        <translation>Given name</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>ID document</source>
        <translation>ID document</translation>
    </message>
    <message>
        <source>Document number</source>
        <translation>Document number</translation>
    </message>
    <message>
        <source>Mobile phone</source>
        <translation>Mobile phone</translation>
    </message>
    <message>
        <source>Other phone</source>
        <translation>Other phone</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>WeChat ID</source>
        <translation>WeChat ID</translation>
    </message>
    <message>
        <source>QQ</source>
        <translation>QQ</translation>
    </message>
    <message>
        <source>Contact by</source>
        <translation>Contact by</translation>
    </message>
    <message>
        <source>Occupation</source>
        <translation>Occupation</translation>
    </message>
    <message>
        <source>Title or position</source>
        <translation>Title or position</translation>
    </message>
    <message>
        <source>Preferred form of address</source>
        <translation>Preferred form of address</translation>
    </message>
    <message>
        <source>Came to us by</source>
        <translation>Came to us by</translation>
    </message>
    <message>
        <source>Special needs</source>
        <translation>Special needs</translation>
    </message>
    <message>
        <source>Emergency contact</source>
        <translation>Emergency contact</translation>
    </message>
    <message>
        <source>Relationship</source>
        <translation>Relationship</translation>
    </message>
    <message>
        <source>Emergency phone</source>
        <translation>Emergency phone</translation>
    </message>
    <message>
        <source>Notes for the desk</source>
        <translation>Notes for the desk</translation>
    </message>
    <message>
        <source>e.g. 1985-03-12</source>
        <translation>e.g. 1985-03-12</translation>
    </message>
    <message>
        <source>e.g. 138 1234 5678</source>
        <translation>e.g. 138 1234 5678</translation>
    </message>
    <message>
        <source>Only if the patient asked, e.g. 王教授</source>
        <translation>Only if the patient asked, e.g. 王教授</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(none)</translation>
    </message>
    <message>
        <source>(not known)</source>
        <translation>(not known)</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>Register</translation>
    </message>
    <message>
        <source>Open the existing record</source>
        <translation>Open the existing record</translation>
    </message>
    <message>
        <source>It is a different person: register</source>
        <translation>It is a different person: register</translation>
    </message>
    <message>
        <source>Staff will address the patient as: {form}</source>
        <translation>Staff will address the patient as: {form}</translation>
    </message>
    <message>
        <source>Correct the fields marked in red, then save.</source>
        <translation>Correct the fields marked in red, then save.</translation>
    </message>
</context>
<context>
    <name>PatientSearch</name>
    <message>
        <source>No patient found. Check the spelling, or register a new patient.</source>
        <extracomment>row background by queue status (the alert and green channel colours win) the patient cell&apos;s name and address, for the delegate that draws them in two colours the needs cell&apos;s badge codes the colour the address is drawn in (lighter on a red alert row) the patient cell&apos;s membership tag: (label, colour) from ``member_tag`` (H2) a tier without a colour of its own, and a suspended membership Enter (or a double-click) on a hit: the ``PatientHit`` Escape, or Down with no results: hand the keyboard to the screen below</extracomment>
        <translation>No patient found. Check the spelling, or register a new patient.</translation>
    </message>
</context>
<context>
    <name>PatientTableModel</name>
    <message>
        <source>Record no.</source>
        <translation>Record no.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>ID document</source>
        <translation>ID document</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>Male</translation>
    </message>
</context>
<context>
    <name>PaymentBox</name>
    <message>
        <source>Refund money to the payer</source>
        <translation>Refund money to the payer</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Paid now</source>
        <translation>Paid now</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>Method</translation>
    </message>
    <message>
        <source>Receipt no.</source>
        <translation>Receipt no.</translation>
    </message>
    <message>
        <source>Paid on</source>
        <translation>Paid on</translation>
    </message>
    <message>
        <source>Payment note</source>
        <translation>Payment note</translation>
    </message>
    <message>
        <source>As printed on the receipt</source>
        <translation>As printed on the receipt</translation>
    </message>
</context>
<context>
    <name>PaymentDialog</name>
    <message>
        <source>Record a payment for {card}</source>
        <translation>Record a payment for {card}</translation>
    </message>
    <message>
        <source>Record money as it changed hands, with the receipt number. This is a record of facts, not an account.</source>
        <translation>Record money as it changed hands, with the receipt number. This is a record of facts, not an account.</translation>
    </message>
    <message>
        <source>Payment received</source>
        <translation>Payment received</translation>
    </message>
    <message>
        <source>Refund given</source>
        <translation>Refund given</translation>
    </message>
    <message>
        <source>What</source>
        <translation>What</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
</context>
<context>
    <name>PdfPreview</name>
    <message>
        <source>No printer is set up on this computer, so this cannot be printed here. Save it as a PDF and print it from a computer that has a printer, or ask the person who looks after the clinic&apos;s computers to add the printer.</source>
        <translation>No printer is set up on this computer, so this cannot be printed here. Save it as a PDF and print it from a computer that has a printer, or ask the person who looks after the clinic&apos;s computers to add the printer.</translation>
    </message>
    <message>
        <source>the printer</source>
        <translation>the printer</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>Printing</translation>
    </message>
    <message>
        <source>Could not print on {printer}: it is switched off, not connected or not set up. Check the printer and try again, or save the document as a PDF.</source>
        <translation>Could not print on {printer}: it is switched off, not connected or not set up. Check the printer and try again, or save the document as a PDF.</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>Save as PDF…</translation>
    </message>
    <message>
        <source>Save as PDF</source>
        <translation>Save as PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
</context>
<context>
    <name>PeriodBar</name>
    <message>
        <source>&amp;From</source>
        <translation>&amp;From</translation>
    </message>
    <message>
        <source>&amp;to</source>
        <translation>&amp;to</translation>
    </message>
</context>
<context>
    <name>Prescription</name>
    <message>
        <source>Morning</source>
        <translation>Morning</translation>
    </message>
    <message>
        <source>Noon</source>
        <translation>Noon</translation>
    </message>
    <message>
        <source>Evening</source>
        <translation>Evening</translation>
    </message>
    <message>
        <source>Bedtime</source>
        <translation>Bedtime</translation>
    </message>
    <message>
        <source>once a day</source>
        <translation>once a day</translation>
    </message>
    <message>
        <source>twice a day</source>
        <translation>twice a day</translation>
    </message>
    <message>
        <source>three times a day</source>
        <translation>three times a day</translation>
    </message>
    <message>
        <source>four times a day</source>
        <translation>four times a day</translation>
    </message>
    <message>
        <source>every night</source>
        <translation>every night</translation>
    </message>
    <message>
        <source>every 8 hours</source>
        <translation>every 8 hours</translation>
    </message>
    <message>
        <source>every 12 hours</source>
        <translation>every 12 hours</translation>
    </message>
    <message>
        <source>when needed</source>
        <translation>when needed</translation>
    </message>
    <message>
        <source>once only</source>
        <translation>once only</translation>
    </message>
    <message>
        <source>once a week</source>
        <translation>once a week</translation>
    </message>
    <message>
        <source>before meals</source>
        <translation>before meals</translation>
    </message>
    <message>
        <source>after meals</source>
        <translation>after meals</translation>
    </message>
    <message>
        <source>with meals</source>
        <translation>with meals</translation>
    </message>
    <message>
        <source>on an empty stomach</source>
        <translation>on an empty stomach</translation>
    </message>
    <message>
        <source>at bedtime</source>
        <translation>at bedtime</translation>
    </message>
    <message>
        <source>at any time</source>
        <translation>at any time</translation>
    </message>
    <message>
        <source>by mouth</source>
        <translation>by mouth</translation>
    </message>
    <message>
        <source>on the skin</source>
        <translation>on the skin</translation>
    </message>
    <message>
        <source>inhaled</source>
        <translation>inhaled</translation>
    </message>
    <message>
        <source>under the tongue</source>
        <translation>under the tongue</translation>
    </message>
    <message>
        <source>injection into a muscle</source>
        <translation>injection into a muscle</translation>
    </message>
    <message>
        <source>injection into a vein</source>
        <translation>injection into a vein</translation>
    </message>
    <message>
        <source>injection under the skin</source>
        <translation>injection under the skin</translation>
    </message>
    <message>
        <source>in the eye</source>
        <translation>in the eye</translation>
    </message>
    <message>
        <source>in the ear</source>
        <translation>in the ear</translation>
    </message>
    <message>
        <source>in the nose</source>
        <translation>in the nose</translation>
    </message>
    <message>
        <source>rectal</source>
        <translation>rectal</translation>
    </message>
</context>
<context>
    <name>PrescriptionDialog</name>
    <message>
        <source>New prescription</source>
        <translation>New prescription</translation>
    </message>
    <message>
        <source>Drug</source>
        <translation>Drug</translation>
    </message>
    <message>
        <source>Strength</source>
        <translation>Strength</translation>
    </message>
    <message>
        <source>Dose</source>
        <translation>Dose</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>Route</translation>
    </message>
    <message>
        <source>How often</source>
        <translation>How often</translation>
    </message>
    <message>
        <source>When</source>
        <translation>When</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>Days</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>Quantity</translation>
    </message>
    <message>
        <source>Cautions</source>
        <translation>Cautions</translation>
    </message>
    <message>
        <source>drug name</source>
        <translation>drug name</translation>
    </message>
    <message>
        <source>Remove this line</source>
        <translation>Remove this line</translation>
    </message>
    <message>
        <source>Add a line</source>
        <translation>Add a line</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Check</translation>
    </message>
    <message>
        <source>Check the drugs against the allergies and current medication</source>
        <translation>Check the drugs against the allergies and current medication</translation>
    </message>
    <message>
        <source>Notes (optional)</source>
        <translation>Notes (optional)</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>Warnings</translation>
    </message>
    <message>
        <source>The interaction table covers only common drugs and well-known interactions. It is NOT a complete reference: no warning does not mean a combination is safe.</source>
        <translation>The interaction table covers only common drugs and well-known interactions. It is NOT a complete reference: no warning does not mean a combination is safe.</translation>
    </message>
    <message>
        <source>I have considered these warnings</source>
        <translation>I have considered these warnings</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>Reason:</translation>
    </message>
    <message>
        <source>Why prescribe despite the warnings</source>
        <translation>Why prescribe despite the warnings</translation>
    </message>
    <message>
        <source>Allergies: {list}</source>
        <translation>Allergies: {list}</translation>
    </message>
    <message>
        <source>Allergies: none recorded. Ask the patient.</source>
        <translation>Allergies: none recorded. Ask the patient.</translation>
    </message>
    <message>
        <source>— choose —</source>
        <translation>— choose —</translation>
    </message>
    <message>
        <source>At most {n} lines fit one prescription.</source>
        <translation>At most {n} lines fit one prescription.</translation>
    </message>
    <message>
        <source>No warnings found in the table.</source>
        <translation>No warnings found in the table.</translation>
    </message>
    <message>
        <source>Not checked yet. Press Check, or Save (which checks first).</source>
        <translation>Not checked yet. Press Check, or Save (which checks first).</translation>
    </message>
    <message numerus="yes">
        <source>%n warning(s): read them before saving.</source>
        <translation>
            <numerusform>%n warning: read them before saving.</numerusform>
            <numerusform>%n warnings: read them before saving.</numerusform>
        </translation>
    </message>
    <message>
        <source>Type at least one drug.</source>
        <translation>Type at least one drug.</translation>
    </message>
    <message>
        <source>Nothing was saved yet. Read the warnings, then press Save again.</source>
        <translation>Nothing was saved yet. Read the warnings, then press Save again.</translation>
    </message>
    <message>
        <source>Nothing was saved: there is a major interaction or an allergy warning. To prescribe anyway, tick “I have considered these warnings” and give the reason.</source>
        <translation>Nothing was saved: there is a major interaction or an allergy warning. To prescribe anyway, tick “I have considered these warnings” and give the reason.</translation>
    </message>
    <message>
        <source>Nothing was saved: type the reason for prescribing despite the warnings.</source>
        <translation>Nothing was saved: type the reason for prescribing despite the warnings.</translation>
    </message>
</context>
<context>
    <name>PrescriptionsTab</name>
    <message>
        <source>Prescriptions</source>
        <translation>Prescriptions</translation>
    </message>
    <message>
        <source>New prescription…</source>
        <translation>New prescription…</translation>
    </message>
    <message>
        <source>Cancel prescription…</source>
        <translation>Cancel prescription…</translation>
    </message>
    <message>
        <source>Record guidance…</source>
        <translation>Record guidance…</translation>
    </message>
    <message>
        <source>Print medication card…</source>
        <translation>Print medication card…</translation>
    </message>
    <message>
        <source>The patient&apos;s reminder card: each drug, when to take it, and our phone</source>
        <translation>The patient&apos;s reminder card: each drug, when to take it, and our phone</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Prescriber</source>
        <translation>Prescriber</translation>
    </message>
    <message>
        <source>Drugs</source>
        <translation>Drugs</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>Warnings</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n day</numerusform>
            <numerusform>%n days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n serious warning(s), confirmed</source>
        <translation>
            <numerusform>%n serious warning, confirmed</numerusform>
            <numerusform>%n serious warnings, confirmed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n warning(s)</source>
        <translation>
            <numerusform>%n warning</numerusform>
            <numerusform>%n warnings</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancelled {when}</source>
        <translation>Cancelled {when}</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>Issued</translation>
    </message>
    <message>
        <source>No prescriptions yet.</source>
        <translation>No prescriptions yet.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Prescription of {when} by {who}</source>
        <translation>Prescription of {when} by {who}</translation>
    </message>
    <message>
        <source>Cancelled {when}. Reason: {reason}</source>
        <translation>Cancelled {when}. Reason: {reason}</translation>
    </message>
    <message>
        <source>quantity {q}</source>
        <translation>quantity {q}</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>Warnings shown when it was written</source>
        <translation>Warnings shown when it was written</translation>
    </message>
    <message>
        <source>Prescribed anyway. Reason: {reason}</source>
        <translation>Prescribed anyway. Reason: {reason}</translation>
    </message>
    <message>
        <source>Pharmacist guidance</source>
        <translation>Pharmacist guidance</translation>
    </message>
    <message>
        <source>None recorded yet.</source>
        <translation>None recorded yet.</translation>
    </message>
    <message>
        <source>Choose a prescription in the list first.</source>
        <translation>Choose a prescription in the list first.</translation>
    </message>
    <message>
        <source>Cancel prescription</source>
        <translation>Cancel prescription</translation>
    </message>
    <message>
        <source>Why is this prescription cancelled? It is kept in the record, marked cancelled, and its drugs leave the current medication list.</source>
        <translation>Why is this prescription cancelled? It is kept in the record, marked cancelled, and its drugs leave the current medication list.</translation>
    </message>
    <message>
        <source>This prescription was cancelled: choose a current one to print its card.</source>
        <translation>This prescription was cancelled: choose a current one to print its card.</translation>
    </message>
    <message>
        <source>Record guidance</source>
        <translation>Record guidance</translation>
    </message>
    <message>
        <source>What the patient was told</source>
        <translation>What the patient was told</translation>
    </message>
    <message>
        <source>How to take the medicines, what to watch for, what to avoid.</source>
        <translation>How to take the medicines, what to watch for, what to avoid.</translation>
    </message>
</context>
<context>
    <name>PrintDocuments</name>
    <message>
        <source>Appointment slip</source>
        <translation>Appointment slip</translation>
    </message>
    <message>
        <source>First-visit information</source>
        <translation>First-visit information</translation>
    </message>
    <message>
        <source>Contact card</source>
        <translation>Contact card</translation>
    </message>
    <message>
        <source>Membership card</source>
        <translation>Membership card</translation>
    </message>
    <message>
        <source>Follow-up call record</source>
        <translation>Follow-up call record</translation>
    </message>
    <message>
        <source>Referral letter</source>
        <translation>Referral letter</translation>
    </message>
    <message>
        <source>Medication card</source>
        <translation>Medication card</translation>
    </message>
</context>
<context>
    <name>PrintLabels</name>
    <message>
        <source>Medication reminder card</source>
        <translation>Medication reminder card</translation>
    </message>
    <message>
        <source>Medication reminder card (large print)</source>
        <translation>Medication reminder card (large print)</translation>
    </message>
    <message>
        <source>{title} (continued)</source>
        <translation>{title} (continued)</translation>
    </message>
    <message>
        <source>Card {n} / {total}</source>
        <translation>Card {n} / {total}</translation>
    </message>
    <message>
        <source>{year}-{month:02d}-{day:02d}</source>
        <translation>{year}-{month:02d}-{day:02d}</translation>
    </message>
    <message>
        <source>Issued {date}</source>
        <translation>Issued {date}</translation>
    </message>
    <message>
        <source>Issued {date} by {doctor}</source>
        <translation>Issued {date} by {doctor}</translation>
    </message>
    <message>
        <source>Medicine</source>
        <translation>Medicine</translation>
    </message>
    <message>
        <source>{dose} each time</source>
        <translation>{dose} each time</translation>
    </message>
    <message>
        <source>for {n} days</source>
        <translation>for {n} days</translation>
    </message>
    <message>
        <source>for 1 day</source>
        <translation>for 1 day</translation>
    </message>
    <message>
        <source>Caution: {text}</source>
        <translation>Caution: {text}</translation>
    </message>
    <message>
        <source>Questions? Call {phone}</source>
        <translation>Questions? Call {phone}</translation>
    </message>
    <message>
        <source>Appointment slip</source>
        <translation>Appointment slip</translation>
    </message>
    <message>
        <source>{name}, your appointment is:</source>
        <translation>{name}, your appointment is:</translation>
    </message>
    <message>
        <source>{weekday} {year}-{month:02d}-{day:02d}</source>
        <translation>{weekday} {year}-{month:02d}-{day:02d}</translation>
    </message>
    <message>
        <source>{n} minutes</source>
        <translation>{n} minutes</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>Place</translation>
    </message>
    <message>
        <source>For</source>
        <translation>For</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>Record no.</translation>
    </message>
    <message>
        <source>Please bring</source>
        <translation>Please bring</translation>
    </message>
    <message>
        <source>Your ID card, your medical insurance card, and the medicines you take now.</source>
        <translation>Your ID card, your medical insurance card, and the medicines you take now.</translation>
    </message>
    <message>
        <source>To change or cancel</source>
        <translation>To change or cancel</translation>
    </message>
    <message>
        <source>Call us on {phone} before {time} the day before.</source>
        <translation>Call us on {phone} before {time} the day before.</translation>
    </message>
    <message>
        <source>Call us on {phone} as early as you can.</source>
        <translation>Call us on {phone} as early as you can.</translation>
    </message>
    <message>
        <source>Tell the front desk before {time} the day before.</source>
        <translation>Tell the front desk before {time} the day before.</translation>
    </message>
    <message>
        <source>Tell the front desk as early as you can.</source>
        <translation>Tell the front desk as early as you can.</translation>
    </message>
    <message>
        <source>This is your first visit: please come a little early to register.</source>
        <translation>This is your first visit: please come a little early to register.</translation>
    </message>
    <message>
        <source>Phone {phone}</source>
        <translation>Phone {phone}</translation>
    </message>
    <message>
        <source>Your first visit</source>
        <translation>Your first visit</translation>
    </message>
    <message>
        <source>Welcome, {name}.</source>
        <translation>Welcome, {name}.</translation>
    </message>
    <message>
        <source>Welcome to {clinic}.</source>
        <translation>Welcome to {clinic}.</translation>
    </message>
    <message>
        <source>Your appointment</source>
        <translation>Your appointment</translation>
    </message>
    <message>
        <source>{day} {time}, {doctor}</source>
        <translation>{day} {time}, {doctor}</translation>
    </message>
    <message>
        <source>{day} {time}</source>
        <translation>{day} {time}</translation>
    </message>
    <message>
        <source>{first}–{last}</source>
        <translation>{first}–{last}</translation>
    </message>
    <message>
        <source>How to find us</source>
        <translation>How to find us</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Opening hours</source>
        <translation>Opening hours</translation>
    </message>
    <message>
        <source>Parking and what to bring</source>
        <translation>Parking and what to bring</translation>
    </message>
    <message>
        <source>Questions? Call us on {phone}.</source>
        <translation>Questions? Call us on {phone}.</translation>
    </message>
    <message>
        <source>Page {n} / {total}</source>
        <translation>Page {n} / {total}</translation>
    </message>
    <message>
        <source>Contact card</source>
        <translation>Contact card</translation>
    </message>
    <message>
        <source>For {name}</source>
        <translation>For {name}</translation>
    </message>
    <message>
        <source>Your doctor: {name}</source>
        <translation>Your doctor: {name}</translation>
    </message>
    <message>
        <source>Call us whenever you have a question about your health or your visit.</source>
        <translation>Call us whenever you have a question about your health or your visit.</translation>
    </message>
    <message>
        <source>Scan to save our contact</source>
        <translation>Scan to save our contact</translation>
    </message>
    <message>
        <source>Membership card</source>
        <translation>Membership card</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>Member</translation>
    </message>
    <message>
        <source>Card no.</source>
        <translation>Card no.</translation>
    </message>
    <message>
        <source>Valid until {date}</source>
        <translation>Valid until {date}</translation>
    </message>
    <message>
        <source>Valid {first} to {last}</source>
        <translation>Valid {first} to {last}</translation>
    </message>
    <message>
        <source>Member benefits</source>
        <translation>Member benefits</translation>
    </message>
    <message>
        <source>{label}: {n} a year</source>
        <translation>{label}: {n} a year</translation>
    </message>
    <message>
        <source>{label}: {n} every {count} years</source>
        <translation>{label}: {n} every {count} years</translation>
    </message>
    <message>
        <source>{label}: {n} a month</source>
        <translation>{label}: {n} a month</translation>
    </message>
    <message>
        <source>{label}: {n} every {count} months</source>
        <translation>{label}: {n} every {count} months</translation>
    </message>
    <message>
        <source>Present this card at the desk.</source>
        <translation>Present this card at the desk.</translation>
    </message>
    <message>
        <source>Cut out along the corner marks, fold on the marks in the middle, and laminate.</source>
        <translation>Cut out along the corner marks, fold on the marks in the middle, and laminate.</translation>
    </message>
    <message>
        <source>Follow-up call record</source>
        <translation>Follow-up call record</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Follow-up call</source>
        <translation>Follow-up call</translation>
    </message>
    <message>
        <source>Supervisor&apos;s spot check</source>
        <translation>Supervisor&apos;s spot check</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>Age</translation>
    </message>
    <message>
        <source>Discharge or end of treatment</source>
        <translation>Discharge or end of treatment</translation>
    </message>
    <message>
        <source>Diagnosis</source>
        <translation>Diagnosis</translation>
    </message>
    <message>
        <source>Outpatient or inpatient no.</source>
        <translation>Outpatient or inpatient no.</translation>
    </message>
    <message>
        <source>Called by</source>
        <translation>Called by</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Notes of the call</source>
        <translation>Notes of the call</translation>
    </message>
    <message>
        <source>Checked by</source>
        <translation>Checked by</translation>
    </message>
    <message>
        <source>Evaluation</source>
        <translation>Evaluation</translation>
    </message>
    <message>
        <source>Referral letter</source>
        <translation>Referral letter</translation>
    </message>
    <message>
        <source>To</source>
        <translation>To</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>Urgency</translation>
    </message>
    <message>
        <source>Urgency: {urgency}. Please see this patient promptly.</source>
        <translation>Urgency: {urgency}. Please see this patient promptly.</translation>
    </message>
    <message>
        <source>Dear colleague,</source>
        <translation>Dear colleague,</translation>
    </message>
    <message>
        <source>We refer the patient below to you and thank you for seeing them.</source>
        <translation>We refer the patient below to you and thank you for seeing them.</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>{date} (age {age})</source>
        <translation>{date} (age {age})</translation>
    </message>
    <message>
        <source>Our record no.</source>
        <translation>Our record no.</translation>
    </message>
    <message>
        <source>Reason for referral</source>
        <translation>Reason for referral</translation>
    </message>
    <message>
        <source>Allergies</source>
        <translation>Allergies</translation>
    </message>
    <message>
        <source>No allergies recorded.</source>
        <translation>No allergies recorded.</translation>
    </message>
    <message>
        <source>Current medication</source>
        <translation>Current medication</translation>
    </message>
    <message>
        <source>None recorded.</source>
        <translation>None recorded.</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>Summary</translation>
    </message>
    <message>
        <source>Enclosed</source>
        <translation>Enclosed</translation>
    </message>
    <message>
        <source>Referring doctor</source>
        <translation>Referring doctor</translation>
    </message>
    <message>
        <source>Signature</source>
        <translation>Signature</translation>
    </message>
</context>
<context>
    <name>Printouts</name>
    <message>
        <source>Outcome</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>Recovery</source>
        <translation>Recovery</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>Medication</translation>
    </message>
    <message>
        <source>Satisfaction (1-5)</source>
        <translation>Satisfaction (1-5)</translation>
    </message>
    <message>
        <source>Nurse and doctor followed up</source>
        <translation>Nurse and doctor followed up</translation>
    </message>
    <message>
        <source>In the patient&apos;s words</source>
        <translation>In the patient&apos;s words</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>Suggestions</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>no</source>
        <translation>no</translation>
    </message>
    <message>
        <source>overall</source>
        <translation>overall</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>doctor</translation>
    </message>
    <message>
        <source>staff</source>
        <translation>staff</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>waiting</translation>
    </message>
    <message>
        <source>environment</source>
        <translation>environment</translation>
    </message>
</context>
<context>
    <name>QualityChart</name>
    <message>
        <source>No data</source>
        <translation>No data</translation>
    </message>
    <message>
        <source>{value} min</source>
        <translation>{value} min</translation>
    </message>
    <message>
        <source>counted: {n}</source>
        <translation>counted: {n}</translation>
    </message>
    <message>
        <source>target: {target}</source>
        <translation>target: {target}</translation>
    </message>
</context>
<context>
    <name>QualityPage</name>
    <message>
        <source>Complaints</source>
        <translation>Complaints</translation>
    </message>
    <message>
        <source>Root causes</source>
        <translation>Root causes</translation>
    </message>
    <message>
        <source>Training cases</source>
        <translation>Training cases</translation>
    </message>
    <message>
        <source>Surveys</source>
        <translation>Surveys</translation>
    </message>
    <message>
        <source>Self-check</source>
        <translation>Self-check</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>Reports</translation>
    </message>
</context>
<context>
    <name>QualityReport</name>
    <message>
        <source>Weekly complaint feedback</source>
        <translation>Weekly complaint feedback</translation>
    </message>
    <message>
        <source>Monthly quality analysis</source>
        <translation>Monthly quality analysis</translation>
    </message>
    <message>
        <source>Quarterly quality summary</source>
        <translation>Quarterly quality summary</translation>
    </message>
    <message>
        <source>Yearly quality summary</source>
        <translation>Yearly quality summary</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} min</translation>
    </message>
    <message>
        <source>Met</source>
        <translation>Met</translation>
    </message>
    <message>
        <source>Not met</source>
        <translation>Not met</translation>
    </message>
    <message>
        <source>Figures against their targets</source>
        <translation>Figures against their targets</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>Metric</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Value</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Target</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>Counted</source>
        <translation>Counted</translation>
    </message>
    <message>
        <source>Target {value}</source>
        <translation>Target {value}</translation>
    </message>
    <message>
        <source>Trend over 12 months</source>
        <translation>Trend over 12 months</translation>
    </message>
    <message>
        <source>No data</source>
        <translation>No data</translation>
    </message>
    <message>
        <source>(confidential)</source>
        <translation>(confidential)</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>Open, overdue</source>
        <translation>Open, overdue</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>serious</source>
        <translation>serious</translation>
    </message>
    <message>
        <source>Complaint cases</source>
        <translation>Complaint cases</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Gist</source>
        <translation>Gist</translation>
    </message>
    <message>
        <source>No complaints were received.</source>
        <translation>No complaints were received.</translation>
    </message>
    <message>
        <source>answered</source>
        <translation>answered</translation>
    </message>
    <message>
        <source>awaiting an answer</source>
        <translation>awaiting an answer</translation>
    </message>
    <message>
        <source>Suggestions forwarded to departments</source>
        <translation>Suggestions forwarded to departments</translation>
    </message>
    <message>
        <source>No suggestions were forwarded.</source>
        <translation>No suggestions were forwarded.</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>late</source>
        <translation>late</translation>
    </message>
    <message>
        <source>Root-cause analyses (5 Whys)</source>
        <translation>Root-cause analyses (5 Whys)</translation>
    </message>
    <message>
        <source>Found</source>
        <translation>Found</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>Root cause</source>
        <translation>Root cause</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>Actions</translation>
    </message>
    <message>
        <source>No root-cause analysis in this period.</source>
        <translation>No root-cause analysis in this period.</translation>
    </message>
    <message>
        <source>{name}: {n} days missing</source>
        <translation>{name}: {n} days missing</translation>
    </message>
    <message>
        <source>Daily self-checks missing</source>
        <translation>Daily self-checks missing</translation>
    </message>
    <message>
        <source>Every self-check was done.</source>
        <translation>Every self-check was done.</translation>
    </message>
    <message>
        <source>Figures per month</source>
        <translation>Figures per month</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>Period</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>Complaints</translation>
    </message>
    <message>
        <source>Closed in the period</source>
        <translation>Closed in the period</translation>
    </message>
    <message>
        <source>Received and still open</source>
        <translation>Received and still open</translation>
    </message>
    <message>
        <source>Open and overdue</source>
        <translation>Open and overdue</translation>
    </message>
    <message>
        <source>Open now (all periods)</source>
        <translation>Open now (all periods)</translation>
    </message>
    <message>
        <source>Serious, not yet seen by the director</source>
        <translation>Serious, not yet seen by the director</translation>
    </message>
    <message>
        <source>Satisfaction this week</source>
        <translation>Satisfaction this week</translation>
    </message>
    <message>
        <source>Answers counted</source>
        <translation>Answers counted</translation>
    </message>
    <message>
        <source>Made {time} by {name}</source>
        <translation>Made {time} by {name}</translation>
    </message>
    <message>
        <source>Internal quality document: complaint details are confidential.</source>
        <translation>Internal quality document: complaint details are confidential.</translation>
    </message>
    <message>
        <source>Page {n} / {total}</source>
        <translation>Page {n} / {total}</translation>
    </message>
</context>
<context>
    <name>QualityReports</name>
    <message>
        <source>Complaints</source>
        <translation>Complaints</translation>
    </message>
    <message>
        <source>Survey answers</source>
        <translation>Survey answers</translation>
    </message>
    <message>
        <source>Follow-up calls</source>
        <translation>Follow-up calls</translation>
    </message>
    <message>
        <source>Self-checks</source>
        <translation>Self-checks</translation>
    </message>
    <message>
        <source>Root-cause analyses</source>
        <translation>Root-cause analyses</translation>
    </message>
    <message>
        <source>Dashboard figures</source>
        <translation>Dashboard figures</translation>
    </message>
</context>
<context>
    <name>QuestionnaireDialog</name>
    <message>
        <source>Questionnaires</source>
        <translation>Questionnaires</translation>
    </message>
    <message>
        <source>New questionnaire</source>
        <translation>New questionnaire</translation>
    </message>
    <message>
        <source>Questionnaire</source>
        <translation>Questionnaire</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Used for</source>
        <translation>Used for</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Key</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Question</source>
        <translation>Question</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>Up</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>Down</translation>
    </message>
    <message>
        <source>Keys are short codes (a-z, 0-9, _) the answers are stored under; once saved they stay. At least one item must be a 1-5 scale.</source>
        <translation>Keys are short codes (a-z, 0-9, _) the answers are stored under; once saved they stay. At least one item must be a 1-5 scale.</translation>
    </message>
    <message>
        <source>Saved keys cannot change: earlier answers use them</source>
        <translation>Saved keys cannot change: earlier answers use them</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Saved.</translation>
    </message>
</context>
<context>
    <name>QueueMessageDialog</name>
    <message>
        <source>Queue a message</source>
        <translation>Queue a message</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Name, pinyin initials, phone digits or record number</source>
        <translation>Name, pinyin initials, phone digits or record number</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>Appointment</source>
        <translation>Appointment</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>The patient reads</source>
        <translation>The patient reads</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Queue</translation>
    </message>
    <message>
        <source>Choose the patient first: search and pick one.</source>
        <translation>Choose the patient first: search and pick one.</translation>
    </message>
</context>
<context>
    <name>RatesPanel</name>
    <message>
        <source>This month</source>
        <translation>This month</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>Last month</translation>
    </message>
    <message>
        <source>&amp;Per</source>
        <translation>&amp;Per</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Due: planned follow-ups whose deadline falls in the period, except those ended because the patient died, opted out or the visit was re-categorised. On time: done by the deadline.</source>
        <translation>Due: planned follow-ups whose deadline falls in the period, except those ended because the patient died, opted out or the visit was re-categorised. On time: done by the deadline.</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>Follow-up rate</source>
        <translation>Follow-up rate</translation>
    </message>
    <message>
        <source>On time</source>
        <translation>On time</translation>
    </message>
    <message>
        <source>On-time rate</source>
        <translation>On-time rate</translation>
    </message>
    <message>
        <source>(no doctor recorded)</source>
        <translation>(no doctor recorded)</translation>
    </message>
    <message>
        <source>(no department)</source>
        <translation>(no department)</translation>
    </message>
    <message>
        <source>All</source>
        <translation>All</translation>
    </message>
    <message>
        <source>No follow-ups were due in this period.</source>
        <translation>No follow-ups were due in this period.</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Suspend membership {card}</source>
        <translation>Suspend membership {card}</translation>
    </message>
    <message>
        <source>While suspended no benefit can be used. When it is resumed, its end moves on by the days it was suspended.</source>
        <translation>While suspended no benefit can be used. When it is resumed, its end moves on by the days it was suspended.</translation>
    </message>
    <message>
        <source>Cancel membership {card}</source>
        <translation>Cancel membership {card}</translation>
    </message>
    <message>
        <source>Cancelling ends the membership for good: the card stops working today. Record a refund if money goes back to the payer.</source>
        <translation>Cancelling ends the membership for good: the card stops working today. Record a refund if money goes back to the payer.</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
</context>
<context>
    <name>ReassignDialog</name>
    <message>
        <source>Reassign the call</source>
        <translation>Reassign the call</translation>
    </message>
    <message>
        <source>Who calls</source>
        <translation>Who calls</translation>
    </message>
    <message>
        <source>No one in particular: anyone in {role}</source>
        <translation>No one in particular: anyone in {role}</translation>
    </message>
</context>
<context>
    <name>Reception</name>
    <message>
        <source>Waiting</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>Called</source>
        <translation>Called</translation>
    </message>
    <message>
        <source>In consultation</source>
        <translation>In consultation</translation>
    </message>
    <message>
        <source>Back at the desk</source>
        <translation>Back at the desk</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>Left</source>
        <translation>Left</translation>
    </message>
    <message>
        <source>Explained the reason for the wait</source>
        <translation>Explained the reason for the wait</translation>
    </message>
    <message>
        <source>Offered a drink</source>
        <translation>Offered a drink</translation>
    </message>
    <message>
        <source>Offered priority for an examination</source>
        <translation>Offered priority for an examination</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>Payment</translation>
    </message>
    <message>
        <source>Examination or test</source>
        <translation>Examination or test</translation>
    </message>
    <message>
        <source>Collect medicine</source>
        <translation>Collect medicine</translation>
    </message>
    <message>
        <source>Fever</source>
        <translation>Fever</translation>
    </message>
    <message>
        <source>Cough or cold</source>
        <translation>Cough or cold</translation>
    </message>
    <message>
        <source>Stomach or bowel</source>
        <translation>Stomach or bowel</translation>
    </message>
    <message>
        <source>Skin</source>
        <translation>Skin</translation>
    </message>
    <message>
        <source>Child illness</source>
        <translation>Child illness</translation>
    </message>
    <message>
        <source>Chronic disease follow-up</source>
        <translation>Chronic disease follow-up</translation>
    </message>
    <message>
        <source>Check-up</source>
        <translation>Check-up</translation>
    </message>
    <message>
        <source>Injury</source>
        <translation>Injury</translation>
    </message>
    <message>
        <source>Women&apos;s health</source>
        <translation>Women&apos;s health</translation>
    </message>
</context>
<context>
    <name>ReceptionBadge</name>
    <message>
        <source>Child</source>
        <extracomment>short labels for the special-need badges (B6); long ones are in registry_rules</extracomment>
        <translation>Child</translation>
    </message>
    <message>
        <source>Senior</source>
        <translation>Senior</translation>
    </message>
    <message>
        <source>Disability</source>
        <translation>Disability</translation>
    </message>
    <message>
        <source>Escort</source>
        <translation>Escort</translation>
    </message>
</context>
<context>
    <name>ReceptionPage</name>
    <message>
        <source>Find the patient: name, pinyin initials (zs), phone digits… then Enter</source>
        <extracomment>queue statuses the desk still acts on (not done, not gone) booked rows the desk can check in (arrived: marked on the calendar, not queued yet) show something on another page: (feature key, target), e.g. (&quot;calendar&quot;, (day, doctor))</extracomment>
        <translation>Find the patient: name, pinyin initials (zs), phone digits… then Enter</translation>
    </message>
    <message>
        <source>All doctors</source>
        <translation>All doctors</translation>
    </message>
    <message>
        <source>Walk-in…</source>
        <translation>Walk-in…</translation>
    </message>
    <message>
        <source>Queue a patient without an appointment (Ctrl+N)</source>
        <translation>Queue a patient without an appointment (Ctrl+N)</translation>
    </message>
    <message>
        <source>Day&apos;s end…</source>
        <translation>Day&apos;s end…</translation>
    </message>
    <message>
        <source>Who is still waiting or with the doctor; mark the no-shows</source>
        <translation>Who is still waiting or with the doctor; mark the no-shows</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>Check in</translation>
    </message>
    <message>
        <source>Check in the selected patient (Enter)</source>
        <translation>Check in the selected patient (Enter)</translation>
    </message>
    <message>
        <source>Handle wait alert…</source>
        <translation>Handle wait alert…</translation>
    </message>
    <message>
        <source>Green channel…</source>
        <translation>Green channel…</translation>
    </message>
    <message>
        <source>An emergency: first in the doctor&apos;s queue</source>
        <translation>An emergency: first in the doctor&apos;s queue</translation>
    </message>
    <message>
        <source>Back to the queue</source>
        <translation>Back to the queue</translation>
    </message>
    <message>
        <source>Left without being seen</source>
        <translation>Left without being seen</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>Booked</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>Needs</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>Updated {time}</source>
        <translation>Updated {time}</translation>
    </message>
    <message>
        <source>{expected} expected · {waiting} waiting · {consulting} in consultation · {done} done</source>
        <translation>{expected} expected · {waiting} waiting · {consulting} in consultation · {done} done</translation>
    </message>
    <message>
        <source>Nobody is expected or waiting today yet.</source>
        <translation>Nobody is expected or waiting today yet.</translation>
    </message>
    <message numerus="yes">
        <source>⚠ %n waiting longer than {minutes} min</source>
        <translation>
            <numerusform>⚠ %n waiting longer than {minutes} min</numerusform>
            <numerusform>⚠ %n waiting longer than {minutes} min</numerusform>
        </translation>
    </message>
    <message>
        <source>Expected</source>
        <translation>Expected</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} min</translation>
    </message>
    <message>
        <source>✚ Green channel: {reason}</source>
        <translation>✚ Green channel: {reason}</translation>
    </message>
    <message>
        <source>Walk-in</source>
        <translation>Walk-in</translation>
    </message>
    <message>
        <source>Wait explained</source>
        <translation>Wait explained</translation>
    </message>
    <message>
        <source>Checked in late</source>
        <translation>Checked in late</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>Any doctor</translation>
    </message>
    <message>
        <source>Record no. {no}</source>
        <translation>Record no. {no}</translation>
    </message>
    <message>
        <source>no appointment today · Enter: walk-in</source>
        <translation>no appointment today · Enter: walk-in</translation>
    </message>
    <message>
        <source>{time} with {doctor} · Enter: check in</source>
        <translation>{time} with {doctor} · Enter: check in</translation>
    </message>
    <message>
        <source>No. {no}, {status}</source>
        <translation>No. {no}, {status}</translation>
    </message>
    <message>
        <source>Already in the queue: No. {no} ({status}).</source>
        <translation>Already in the queue: No. {no} ({status}).</translation>
    </message>
    <message>
        <source>No. {no} left without seeing the doctor. A note for the record (optional), e.g. what the patient said:</source>
        <translation>No. {no} left without seeing the doctor. A note for the record (optional), e.g. what the patient said:</translation>
    </message>
</context>
<context>
    <name>RecoveryKeyDialog</name>
    <message>
        <source>New recovery key</source>
        <translation>New recovery key</translation>
    </message>
    <message>
        <source>Clinic passphrase</source>
        <translation>Clinic passphrase</translation>
    </message>
    <message>
        <source>Make a new key</source>
        <translation>Make a new key</translation>
    </message>
    <message>
        <source>I have written it down</source>
        <translation>I have written it down</translation>
    </message>
    <message>
        <source>This is the clinic&apos;s new recovery key. Write it down or print it now and keep it locked away: it is shown only this once. The old recovery key no longer opens the clinic (backups made before today still open with the old key).</source>
        <translation>This is the clinic&apos;s new recovery key. Write it down or print it now and keep it locked away: it is shown only this once. The old recovery key no longer opens the clinic (backups made before today still open with the old key).</translation>
    </message>
    <message>
        <source>A new recovery key replaces the old one at once: the old key stops working. Do this if the printed key was lost or seen by someone else. Type the clinic passphrase to continue.</source>
        <translation>A new recovery key replaces the old one at once: the old key stops working. Do this if the printed key was lost or seen by someone else. Type the clinic passphrase to continue.</translation>
    </message>
    <message>
        <source>Type the clinic passphrase.</source>
        <translation>Type the clinic passphrase.</translation>
    </message>
    <message>
        <source>Making the new key…</source>
        <translation>Making the new key…</translation>
    </message>
</context>
<context>
    <name>RecoveryKit</name>
    <message>
        <source>ClinicDesk recovery kit</source>
        <translation>ClinicDesk recovery kit</translation>
    </message>
    <message>
        <source>Recovery key for the clinic&apos;s encrypted data</source>
        <translation>Recovery key for the clinic&apos;s encrypted data</translation>
    </message>
    <message>
        <source>What this key is for</source>
        <translation>What this key is for</translation>
    </message>
    <message>
        <source>This key opens the clinic&apos;s encrypted data on a new computer, or when the clinic passphrase has been forgotten. Whoever holds it can open every patient record, so guard it as carefully as the passphrase.</source>
        <translation>This key opens the clinic&apos;s encrypted data on a new computer, or when the clinic passphrase has been forgotten. Whoever holds it can open every patient record, so guard it as carefully as the passphrase.</translation>
    </message>
    <message>
        <source>How to keep it</source>
        <translation>How to keep it</translation>
    </message>
    <message>
        <source>Keep it on paper, in a locked place away from the computer, such as a locked drawer or a safe.</source>
        <translation>Keep it on paper, in a locked place away from the computer, such as a locked drawer or a safe.</translation>
    </message>
    <message>
        <source>Never photograph it, scan it, email it or send it in a chat message.</source>
        <translation>Never photograph it, scan it, email it or send it in a chat message.</translation>
    </message>
    <message>
        <source>If this page was saved as a file, delete the file once the page is printed.</source>
        <translation>If this page was saved as a file, delete the file once the page is printed.</translation>
    </message>
    <message>
        <source>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone, including ClinicDesk&apos;s makers.</source>
        <translation>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone, including ClinicDesk&apos;s makers.</translation>
    </message>
    <message>
        <source>Stored by {name} on {date}</source>
        <translation>Stored by {name} on {date}</translation>
    </message>
    <message>
        <source>Clinic</source>
        <translation>Clinic</translation>
    </message>
    <message>
        <source>Clinic ID</source>
        <translation>Clinic ID</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Created</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>Recovery key</translation>
    </message>
    <message>
        <source>The key has no letters I, L, O or U: 0 is zero and 1 is one.</source>
        <translation>The key has no letters I, L, O or U: 0 is zero and 1 is one.</translation>
    </message>
</context>
<context>
    <name>RecoveryKitPage</name>
    <message>
        <source>Recovery kit - {clinic}</source>
        <translation>Recovery kit - {clinic}</translation>
    </message>
    <message>
        <source>Recovery kit</source>
        <translation>Recovery kit</translation>
    </message>
    <message>
        <source>Preparing the recovery kit…</source>
        <translation>Preparing the recovery kit…</translation>
    </message>
    <message>
        <source>Saved as {path}. Print it, keep the paper somewhere safe, then delete the file.</source>
        <translation>Saved as {path}. Print it, keep the paper somewhere safe, then delete the file.</translation>
    </message>
    <message>
        <source>The recovery kit was sent to the printer.</source>
        <translation>The recovery kit was sent to the printer.</translation>
    </message>
    <message>
        <source>The recovery kit</source>
        <translation>The recovery kit</translation>
    </message>
    <message>
        <source>This is the recovery key of this computer&apos;s copy of the clinic&apos;s data. It opens the copy if this computer&apos;s passphrase is forgotten. It is shown only now: print the recovery kit, or save it as a PDF and print it soon.</source>
        <translation>This is the recovery key of this computer&apos;s copy of the clinic&apos;s data. It opens the copy if this computer&apos;s passphrase is forgotten. It is shown only now: print the recovery kit, or save it as a PDF and print it soon.</translation>
    </message>
    <message>
        <source>This is the clinic&apos;s recovery key. It opens the clinic&apos;s data if the passphrase is forgotten. It is shown only now: print the recovery kit, or save it as a PDF and print it soon.</source>
        <translation>This is the clinic&apos;s recovery key. It opens the clinic&apos;s data if the passphrase is forgotten. It is shown only now: print the recovery kit, or save it as a PDF and print it soon.</translation>
    </message>
    <message>
        <source>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone.</source>
        <translation>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone.</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>Save as PDF…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <source>I have printed or saved the recovery kit and will keep it somewhere safe</source>
        <translation>I have printed or saved the recovery kit and will keep it somewhere safe</translation>
    </message>
</context>
<context>
    <name>ReferOutDialog</name>
    <message>
        <source>Refer to a hospital</source>
        <translation>Refer to a hospital</translation>
    </message>
    <message>
        <source>Hospital or clinic</source>
        <translation>Hospital or clinic</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>Urgency</translation>
    </message>
    <message>
        <source>Reason for referral</source>
        <translation>Reason for referral</translation>
    </message>
    <message>
        <source>Summary for the hospital</source>
        <translation>Summary for the hospital</translation>
    </message>
    <message>
        <source>Drafting the summary from the record…</source>
        <translation>Drafting the summary from the record…</translation>
    </message>
</context>
<context>
    <name>Referral</name>
    <message>
        <source>female</source>
        <translation>female</translation>
    </message>
    <message>
        <source>male</source>
        <translation>male</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>not stated</translation>
    </message>
    <message>
        <source>emergency</source>
        <translation>emergency</translation>
    </message>
    <message>
        <source>urgent</source>
        <translation>urgent</translation>
    </message>
    <message>
        <source>routine</source>
        <translation>routine</translation>
    </message>
    <message>
        <source>open</source>
        <translation>open</translation>
    </message>
    <message>
        <source>handled</source>
        <translation>handled</translation>
    </message>
    <message>
        <source>None recorded.</source>
        <translation>None recorded.</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>BP</source>
        <translation>BP</translation>
    </message>
    <message>
        <source>Referral summary</source>
        <translation>Referral summary</translation>
    </message>
    <message>
        <source>Allergies</source>
        <translation>Allergies</translation>
    </message>
    <message>
        <source>Current medication</source>
        <translation>Current medication</translation>
    </message>
    <message>
        <source>Chronic conditions</source>
        <translation>Chronic conditions</translation>
    </message>
    <message>
        <source>Recent visits</source>
        <translation>Recent visits</translation>
    </message>
    <message>
        <source>Latest vital signs</source>
        <translation>Latest vital signs</translation>
    </message>
    <message>
        <source>Pulse</source>
        <translation>Pulse</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>Temperature</translation>
    </message>
    <message>
        <source>SpO2</source>
        <translation>SpO2</translation>
    </message>
    <message>
        <source>Respiration</source>
        <translation>Respiration</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>Weight</translation>
    </message>
    <message>
        <source>Glucose</source>
        <translation>Glucose</translation>
    </message>
</context>
<context>
    <name>ReferralsTab</name>
    <message>
        <source>Referrals</source>
        <translation>Referrals</translation>
    </message>
    <message>
        <source>Refer to a hospital…</source>
        <translation>Refer to a hospital…</translation>
    </message>
    <message>
        <source>Log an incoming referral…</source>
        <translation>Log an incoming referral…</translation>
    </message>
    <message>
        <source>Mark handled</source>
        <translation>Mark handled</translation>
    </message>
    <message>
        <source>Print referral letter…</source>
        <translation>Print referral letter…</translation>
    </message>
    <message>
        <source>The letter for the hospital: reason, allergies, medication and summary</source>
        <translation>The letter for the hospital: reason, allergies, medication and summary</translation>
    </message>
    <message>
        <source>Only referrals to this clinic are listed here; the reasons and summaries are part of the clinical record.</source>
        <translation>Only referrals to this clinic are listed here; the reasons and summaries are part of the clinical record.</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>Direction</translation>
    </message>
    <message>
        <source>Hospital or clinic</source>
        <translation>Hospital or clinic</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>Urgency</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Referred by</source>
        <translation>Referred by</translation>
    </message>
    <message>
        <source>To them</source>
        <translation>To them</translation>
    </message>
    <message>
        <source>To us</source>
        <translation>To us</translation>
    </message>
    <message>
        <source>No referrals recorded.</source>
        <translation>No referrals recorded.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Referred to {partner} on {when}</source>
        <translation>Referred to {partner} on {when}</translation>
    </message>
    <message>
        <source>Referred to us by {partner} on {when}</source>
        <translation>Referred to us by {partner} on {when}</translation>
    </message>
    <message>
        <source>handled {when}</source>
        <translation>handled {when}</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>Summary</translation>
    </message>
    <message>
        <source>Log an incoming referral</source>
        <translation>Log an incoming referral</translation>
    </message>
    <message>
        <source>Referring clinic</source>
        <translation>Referring clinic</translation>
    </message>
    <message>
        <source>Reason, as the referring clinic wrote it</source>
        <translation>Reason, as the referring clinic wrote it</translation>
    </message>
    <message>
        <source>The reason goes to the doctor with the record; once saved, the desk sees only who referred the patient and how urgently.</source>
        <translation>The reason goes to the doctor with the record; once saved, the desk sees only who referred the patient and how urgently.</translation>
    </message>
    <message>
        <source>Choose a referral in the list first.</source>
        <translation>Choose a referral in the list first.</translation>
    </message>
    <message>
        <source>A letter is printed for referrals to a hospital, not for those to us.</source>
        <translation>A letter is printed for referrals to a hospital, not for those to us.</translation>
    </message>
</context>
<context>
    <name>RemoveMemberDialog</name>
    <message>
        <source>Remove a member from {card}</source>
        <translation>Remove a member from {card}</translation>
    </message>
    <message>
        <source>The person leaves today; their past uses stay in the history.</source>
        <translation>The person leaves today; their past uses stay in the history.</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>Person</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Only the payer is on this membership; there is no one to remove.</source>
        <translation>Only the payer is on this membership; there is no one to remove.</translation>
    </message>
</context>
<context>
    <name>RenewDialog</name>
    <message>
        <source>Renew membership {card}</source>
        <translation>Renew membership {card}</translation>
    </message>
    <message>
        <source>{tier}, paid by {payer}. The price is that of the tier today.</source>
        <translation>{tier}, paid by {payer}. The price is that of the tier today.</translation>
    </message>
    <message>
        <source>Periods</source>
        <translation>Periods</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>Payment</translation>
    </message>
    <message>
        <source>This membership lapsed: it ended on {ended}. Renewing starts a new term today, {first} to {last}; the days in between are not covered.</source>
        <translation>This membership lapsed: it ended on {ended}. Renewing starts a new term today, {first} to {last}; the days in between are not covered.</translation>
    </message>
    <message>
        <source>The current term ends on {ended}. The new term runs on from {first} to {last}.</source>
        <translation>The current term ends on {ended}. The new term runs on from {first} to {last}.</translation>
    </message>
</context>
<context>
    <name>ReportsPanel</name>
    <message>
        <source>Quality reports</source>
        <translation>Quality reports</translation>
    </message>
    <message>
        <source>Week: complaint feedback</source>
        <translation>Week: complaint feedback</translation>
    </message>
    <message>
        <source>Month: analysis for the director</source>
        <translation>Month: analysis for the director</translation>
    </message>
    <message>
        <source>Quarter: summary</source>
        <translation>Quarter: summary</translation>
    </message>
    <message>
        <source>Year: summary</source>
        <translation>Year: summary</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>Report</translation>
    </message>
    <message>
        <source>Period holding</source>
        <translation>Period holding</translation>
    </message>
    <message>
        <source>Report as PDF</source>
        <translation>Report as PDF</translation>
    </message>
    <message>
        <source>The preview can print the report or save it as a PDF. Complaint details appear only for those who may read them.</source>
        <translation>The preview can print the report or save it as a PDF. Complaint details appear only for those who may read them.</translation>
    </message>
    <message>
        <source>Preview…</source>
        <translation>Preview…</translation>
    </message>
    <message>
        <source>The figures behind it, as a CSV file</source>
        <translation>The figures behind it, as a CSV file</translation>
    </message>
    <message>
        <source>Table</source>
        <translation>Table</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>Export CSV…</translation>
    </message>
    <message>
        <source>{first} to {last}</source>
        <translation>{first} to {last}</translation>
    </message>
    <message>
        <source>Weekly complaint feedback {first} to {last}</source>
        <translation>Weekly complaint feedback {first} to {last}</translation>
    </message>
    <message>
        <source>Monthly quality analysis {first} to {last}</source>
        <translation>Monthly quality analysis {first} to {last}</translation>
    </message>
    <message>
        <source>Quarterly quality summary {first} to {last}</source>
        <translation>Quarterly quality summary {first} to {last}</translation>
    </message>
    <message>
        <source>Yearly quality summary {first} to {last}</source>
        <translation>Yearly quality summary {first} to {last}</translation>
    </message>
    <message>
        <source>Building the report…</source>
        <translation>Building the report…</translation>
    </message>
    <message>
        <source>Members by tier</source>
        <translation>Members by tier</translation>
    </message>
    <message>
        <source>Renewals due</source>
        <translation>Renewals due</translation>
    </message>
    <message>
        <source>Lapsed</source>
        <translation>Lapsed</translation>
    </message>
    <message>
        <source>Benefit use</source>
        <translation>Benefit use</translation>
    </message>
    <message>
        <source>Allowances overdrawn</source>
        <translation>Allowances overdrawn</translation>
    </message>
    <message>
        <source>ending within</source>
        <translation>ending within</translation>
    </message>
    <message>
        <source> days</source>
        <translation> days</translation>
    </message>
    <message>
        <source>from</source>
        <translation>from</translation>
    </message>
    <message>
        <source>to</source>
        <translation>to</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>Seen</source>
        <translation>Seen</translation>
    </message>
    <message>
        <source>You have looked at this overdraft; it leaves the list</source>
        <translation>You have looked at this overdraft; it leaves the list</translation>
    </message>
    <message>
        <source>Current memberships and the people they cover, today.</source>
        <translation>Current memberships and the people they cover, today.</translation>
    </message>
    <message>
        <source>Memberships ending soon and not cancelled: call the payer to renew.</source>
        <translation>Memberships ending soon and not cancelled: call the payer to renew.</translation>
    </message>
    <message>
        <source>Ended recently and not renewed; after the grace days set in Settings they leave this list.</source>
        <translation>Ended recently and not renewed; after the grace days set in Settings they leave this list.</translation>
    </message>
    <message>
        <source>Benefit uses in the period, undone ones taken off.</source>
        <translation>Benefit uses in the period, undone ones taken off.</translation>
    </message>
    <message>
        <source>Two desks working offline can each record the last use of an allowance; after the sync the period holds more than allowed. Look at each, then mark it seen.</source>
        <translation>Two desks working offline can each record the last use of an allowance; after the sync the period holds more than allowed. Look at each, then mark it seen.</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>Tier</translation>
    </message>
    <message>
        <source>Memberships</source>
        <translation>Memberships</translation>
    </message>
    <message>
        <source>People</source>
        <translation>People</translation>
    </message>
    <message>
        <source>Of them suspended</source>
        <translation>Of them suspended</translation>
    </message>
    <message>
        <source>Payer</source>
        <translation>Payer</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Card no.</source>
        <translation>Card no.</translation>
    </message>
    <message>
        <source>Ends on</source>
        <translation>Ends on</translation>
    </message>
    <message>
        <source>Days left</source>
        <translation>Days left</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>Ended</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Benefit</source>
        <translation>Benefit</translation>
    </message>
    <message>
        <source>Uses</source>
        <translation>Uses</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Members</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>Period</translation>
    </message>
    <message>
        <source>Allowed</source>
        <translation>Allowed</translation>
    </message>
    <message>
        <source>Used</source>
        <translation>Used</translation>
    </message>
    <message>
        <source>Marked as seen.</source>
        <translation>Marked as seen.</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>Export CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV files (*.csv)</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Exporting…</translation>
    </message>
    <message numerus="yes">
        <source>Saved %n row(s) of {table} to {path}.</source>
        <translation>
            <numerusform>Saved %n row of {table} to {path}.</numerusform>
            <numerusform>Saved %n rows of {table} to {path}.</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not write {path}: {reason}. Nothing was saved. Choose a folder you may write to (for example your Documents) and try again.</source>
        <translation>Could not write {path}: {reason}. Nothing was saved. Choose a folder you may write to (for example your Documents) and try again.</translation>
    </message>
</context>
<context>
    <name>ReportsTab</name>
    <message>
        <source>Reports and assessments</source>
        <translation>Reports and assessments</translation>
    </message>
    <message>
        <source>Examination reports and attachments</source>
        <translation>Examination reports and attachments</translation>
    </message>
    <message>
        <source>Health assessments</source>
        <translation>Health assessments</translation>
    </message>
    <message>
        <source>Add file…</source>
        <translation>Add file…</translation>
    </message>
    <message>
        <source>Save a copy…</source>
        <translation>Save a copy…</translation>
    </message>
    <message>
        <source>Save a copy of the chosen file to this computer</source>
        <translation>Save a copy of the chosen file to this computer</translation>
    </message>
    <message>
        <source>New assessment…</source>
        <translation>New assessment…</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Title</translation>
    </message>
    <message>
        <source>File name</source>
        <translation>File name</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>Risk</source>
        <translation>Risk</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>Summary</translation>
    </message>
    <message>
        <source> (corrected)</source>
        <translation> (corrected)</translation>
    </message>
    <message>
        <source>No health assessments yet.</source>
        <translation>No health assessments yet.</translation>
    </message>
    <message>
        <source>Recommendations</source>
        <translation>Recommendations</translation>
    </message>
    <message>
        <source>Corrected {when} by {who}. Reason: {reason}</source>
        <translation>Corrected {when} by {who}. Reason: {reason}</translation>
    </message>
    <message>
        <source>Choose the report or file to add</source>
        <translation>Choose the report or file to add</translation>
    </message>
    <message>
        <source>Reports and images (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)</source>
        <translation>Reports and images (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)</translation>
    </message>
    <message>
        <source>Choose a file in the list first.</source>
        <translation>Choose a file in the list first.</translation>
    </message>
    <message>
        <source>Save a copy as</source>
        <translation>Save a copy as</translation>
    </message>
    <message>
        <source>A copy was saved to {path}.</source>
        <translation>A copy was saved to {path}.</translation>
    </message>
    <message>
        <source>New health assessment</source>
        <translation>New health assessment</translation>
    </message>
    <message>
        <source>Kind of assessment</source>
        <translation>Kind of assessment</translation>
    </message>
    <message>
        <source>What the assessment found</source>
        <translation>What the assessment found</translation>
    </message>
    <message>
        <source>e.g. general, diabetes, hypertension</source>
        <translation>e.g. general, diabetes, hypertension</translation>
    </message>
</context>
<context>
    <name>ResetPasswordDialog</name>
    <message>
        <source>Reset password</source>
        <translation>Reset password</translation>
    </message>
    <message>
        <source>Set a temporary password for {name} ({login}). Tell it to them in person; they must choose their own password at their next sign-in. This also unlocks the account.</source>
        <translation>Set a temporary password for {name} ({login}). Tell it to them in person; they must choose their own password at their next sign-in. This also unlocks the account.</translation>
    </message>
    <message>
        <source>Temporary password</source>
        <translation>Temporary password</translation>
    </message>
    <message>
        <source>Temporary password again</source>
        <translation>Temporary password again</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>The two passwords are not the same.</translation>
    </message>
</context>
<context>
    <name>ResourcesPanel</name>
    <message>
        <source>Rooms and devices that appointments can need, such as the ultrasound room or the ECG machine. Booking a type that needs one checks it is free.</source>
        <translation>Rooms and devices that appointments can need, such as the ultrasound room or the ECG machine. Booking a type that needs one checks it is free.</translation>
    </message>
    <message>
        <source>Also show those taken off the calendar</source>
        <translation>Also show those taken off the calendar</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Description</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Add…</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>Rename…</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>Room</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Device</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>In use</translation>
    </message>
    <message>
        <source>Off the calendar</source>
        <translation>Off the calendar</translation>
    </message>
    <message>
        <source>Put back on the calendar</source>
        <translation>Put back on the calendar</translation>
    </message>
    <message>
        <source>Take off the calendar</source>
        <translation>Take off the calendar</translation>
    </message>
    <message>
        <source>Add a room or device</source>
        <translation>Add a room or device</translation>
    </message>
    <message>
        <source>Added.</source>
        <translation>Added.</translation>
    </message>
    <message>
        <source>Rename a room or device</source>
        <translation>Rename a room or device</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Saved.</translation>
    </message>
    <message>
        <source>{name} is off the calendar.</source>
        <translation>{name} is off the calendar.</translation>
    </message>
    <message>
        <source>{name} is back on the calendar.</source>
        <translation>{name} is back on the calendar.</translation>
    </message>
</context>
<context>
    <name>RiskLevel</name>
    <message>
        <source>Not rated</source>
        <translation>Not rated</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Low</translation>
    </message>
    <message>
        <source>Medium</source>
        <translation>Medium</translation>
    </message>
    <message>
        <source>High</source>
        <translation>High</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>Receptionist</source>
        <translation>Receptionist</translation>
    </message>
    <message>
        <source>Triage nurse</source>
        <translation>Triage nurse</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Pharmacist</source>
        <translation>Pharmacist</translation>
    </message>
    <message>
        <source>Health manager</source>
        <translation>Health manager</translation>
    </message>
    <message>
        <source>Customer service</source>
        <translation>Customer service</translation>
    </message>
    <message>
        <source>Director</source>
        <translation>Director</translation>
    </message>
</context>
<context>
    <name>RootCauseDialog</name>
    <message>
        <source>Root cause (5 Why)</source>
        <translation>Root cause (5 Why)</translation>
    </message>
    <message>
        <source>Ask why it happened, then why that happened, up to five times, until you reach a cause the clinic can change. Write in general terms: no names.</source>
        <translation>Ask why it happened, then why that happened, up to five times, until you reach a cause the clinic can change. Write in general terms: no names.</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>What went wrong, in general terms</source>
        <translation>What went wrong, in general terms</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Owner and due</source>
        <translation>Owner and due</translation>
    </message>
    <message>
        <source>Why {n}?</source>
        <translation>Why {n}?</translation>
    </message>
    <message>
        <source>Why did the problem happen?</source>
        <translation>Why did the problem happen?</translation>
    </message>
    <message>
        <source>Why did that happen?</source>
        <translation>Why did that happen?</translation>
    </message>
    <message>
        <source>Root cause</source>
        <translation>Root cause</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>Actions</translation>
    </message>
    <message>
        <source>What will change, who does it, by when</source>
        <translation>What will change, who does it, by when</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>The analysis is complete: the root cause and the actions are written</source>
        <translation>The analysis is complete: the root cause and the actions are written</translation>
    </message>
    <message numerus="yes">
        <source>You; due %n hour(s) after it is found (now).</source>
        <translation>
            <numerusform>You; due %n hour after it is found (now).</numerusform>
            <numerusform>You; due %n hours after it is found (now).</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>complaint {number}</source>
        <translation>complaint {number}</translation>
    </message>
</context>
<context>
    <name>RootCausesPanel</name>
    <message>
        <source>{due} (done {time})</source>
        <translation>{due} (done {time})</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>All</source>
        <translation>All</translation>
    </message>
    <message>
        <source>New analysis…</source>
        <translation>New analysis…</translation>
    </message>
    <message>
        <source>A problem found: ask why, five times, within a day</source>
        <translation>A problem found: ask why, five times, within a day</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>Open…</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>Complaint</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>Root cause</source>
        <translation>Root cause</translation>
    </message>
    <message numerus="yes">
        <source>%n analysis(es)</source>
        <translation>
            <numerusform>%n analysis</numerusform>
            <numerusform>%n analyses</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
</context>
<context>
    <name>RostersTab</name>
    <message>
        <source>All day</source>
        <translation>All day</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} h {m} min</translation>
    </message>
    <message>
        <source>Read only: the director sets up doctors&apos; hours, rooms, appointment types and closures.</source>
        <translation>Read only: the director sets up doctors&apos; hours, rooms, appointment types and closures.</translation>
    </message>
    <message>
        <source>Doctors and hours</source>
        <translation>Doctors and hours</translation>
    </message>
    <message>
        <source>Rooms and devices</source>
        <translation>Rooms and devices</translation>
    </message>
    <message>
        <source>Appointment types</source>
        <translation>Appointment types</translation>
    </message>
    <message>
        <source>Closures and holidays</source>
        <translation>Closures and holidays</translation>
    </message>
</context>
<context>
    <name>Satisfaction</name>
    <message>
        <source>Overall, how satisfied are you with your visit?</source>
        <translation>Overall, how satisfied are you with your visit?</translation>
    </message>
    <message>
        <source>How satisfied are you with the doctor&apos;s explanation?</source>
        <translation>How satisfied are you with the doctor&apos;s explanation?</translation>
    </message>
    <message>
        <source>How satisfied are you with the staff&apos;s attitude?</source>
        <translation>How satisfied are you with the staff&apos;s attitude?</translation>
    </message>
    <message>
        <source>How satisfied are you with the waiting time?</source>
        <translation>How satisfied are you with the waiting time?</translation>
    </message>
    <message>
        <source>How satisfied are you with the clinic&apos;s environment?</source>
        <translation>How satisfied are you with the clinic&apos;s environment?</translation>
    </message>
    <message>
        <source>What could we do better?</source>
        <translation>What could we do better?</translation>
    </message>
</context>
<context>
    <name>SearchView</name>
    <message>
        <source>Search: name, pinyin or initials (zs), phone digits, ID or record number (Ctrl+K)</source>
        <translation>Search: name, pinyin or initials (zs), phone digits, ID or record number (Ctrl+K)</translation>
    </message>
    <message>
        <source>New patient…</source>
        <translation>New patient…</translation>
    </message>
    <message>
        <source>Register a new patient (Ctrl+N)</source>
        <translation>Register a new patient (Ctrl+N)</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>Import…</translation>
    </message>
    <message>
        <source>Import patients from an Excel or CSV file</source>
        <translation>Import patients from an Excel or CSV file</translation>
    </message>
    <message>
        <source>Type to search; Enter opens the first patient.</source>
        <translation>Type to search; Enter opens the first patient.</translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) found</source>
        <translation>
            <numerusform>%n patient found</numerusform>
            <numerusform>%n patients found</numerusform>
        </translation>
    </message>
    <message>
        <source>No patient found. Check the spelling, or register a new patient (Ctrl+N).</source>
        <translation>No patient found. Check the spelling, or register a new patient (Ctrl+N).</translation>
    </message>
</context>
<context>
    <name>SecurityTab</name>
    <message>
        <source>Clinic passphrase and recovery key</source>
        <translation>Clinic passphrase and recovery key</translation>
    </message>
    <message>
        <source>The passphrase unlocks the clinic&apos;s encrypted data and its backups. Change it when someone who knew it leaves the clinic.</source>
        <translation>The passphrase unlocks the clinic&apos;s encrypted data and its backups. Change it when someone who knew it leaves the clinic.</translation>
    </message>
    <message>
        <source>Change clinic passphrase…</source>
        <translation>Change clinic passphrase…</translation>
    </message>
    <message>
        <source>The recovery key opens the data if the passphrase is forgotten. Make a new one if the printed key was lost or seen by someone else.</source>
        <translation>The recovery key opens the data if the passphrase is forgotten. Make a new one if the printed key was lost or seen by someone else.</translation>
    </message>
    <message>
        <source>New recovery key…</source>
        <translation>New recovery key…</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>Backup</translation>
    </message>
    <message>
        <source>ClinicDesk makes a backup every day when the daily backup is on. Make one now before a big change, or to take a copy away on a USB disk.</source>
        <translation>ClinicDesk makes a backup every day when the daily backup is on. Make one now before a big change, or to take a copy away on a USB disk.</translation>
    </message>
    <message>
        <source>Back up now…</source>
        <translation>Back up now…</translation>
    </message>
    <message>
        <source>Daily backups go to</source>
        <translation>Daily backups go to</translation>
    </message>
    <message>
        <source>Last daily backup</source>
        <translation>Last daily backup</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Daily backups are turned off (see Settings › Backup).</source>
        <translation>Daily backups are turned off (see Settings › Backup).</translation>
    </message>
    <message>
        <source>None yet; the first is made when ClinicDesk starts.</source>
        <translation>None yet; the first is made when ClinicDesk starts.</translation>
    </message>
    <message>
        <source>The clinic passphrase is changed. Use the new one from now on.</source>
        <translation>The clinic passphrase is changed. Use the new one from now on.</translation>
    </message>
    <message>
        <source>The new recovery key is in place; the old one no longer works.</source>
        <translation>The new recovery key is in place; the old one no longer works.</translation>
    </message>
    <message>
        <source>Save the backup as</source>
        <translation>Save the backup as</translation>
    </message>
    <message>
        <source>ClinicDesk backup (*.cdbak)</source>
        <translation>ClinicDesk backup (*.cdbak)</translation>
    </message>
    <message>
        <source>Making the backup…</source>
        <translation>Making the backup…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Cancelling the backup…</source>
        <translation>Cancelling the backup…</translation>
    </message>
    <message>
        <source>Copying the clinic&apos;s data…</source>
        <translation>Copying the clinic&apos;s data…</translation>
    </message>
    <message>
        <source>Checking the copy…</source>
        <translation>Checking the copy…</translation>
    </message>
    <message>
        <source>Writing the backup file…</source>
        <translation>Writing the backup file…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>Done.</translation>
    </message>
    <message>
        <source>Backup saved: {path} ({size}).</source>
        <translation>Backup saved: {path} ({size}).</translation>
    </message>
    <message>
        <source>The backup was cancelled; no file was written.</source>
        <translation>The backup was cancelled; no file was written.</translation>
    </message>
</context>
<context>
    <name>SelfCheck</name>
    <message>
        <source>Every patient&apos;s details complete (no missing phone / ID)</source>
        <translation>Every patient&apos;s details complete (no missing phone / ID)</translation>
    </message>
    <message>
        <source>Tomorrow&apos;s bookings confirmed</source>
        <translation>Tomorrow&apos;s bookings confirmed</translation>
    </message>
    <message>
        <source>No-shows of the day marked and called back</source>
        <translation>No-shows of the day marked and called back</translation>
    </message>
    <message>
        <source>Waiting patients kept informed; long waits handled</source>
        <translation>Waiting patients kept informed; long waits handled</translation>
    </message>
    <message>
        <source>Front desk and waiting area tidy</source>
        <translation>Front desk and waiting area tidy</translation>
    </message>
    <message>
        <source>Vital signs recorded for every patient triaged</source>
        <translation>Vital signs recorded for every patient triaged</translation>
    </message>
    <message>
        <source>Allergies and current medication confirmed at check-in</source>
        <translation>Allergies and current medication confirmed at check-in</translation>
    </message>
    <message>
        <source>Same-day follow-up calls made</source>
        <translation>Same-day follow-up calls made</translation>
    </message>
    <message>
        <source>Equipment cleaned and supplies restocked</source>
        <translation>Equipment cleaned and supplies restocked</translation>
    </message>
    <message>
        <source>Today&apos;s records complete and signed</source>
        <translation>Today&apos;s records complete and signed</translation>
    </message>
    <message>
        <source>Follow-up plans set for today&apos;s patients</source>
        <translation>Follow-up plans set for today&apos;s patients</translation>
    </message>
    <message>
        <source>Prescriptions checked and explained to patients</source>
        <translation>Prescriptions checked and explained to patients</translation>
    </message>
    <message>
        <source>Referrals and test results passed on</source>
        <translation>Referrals and test results passed on</translation>
    </message>
    <message>
        <source>Every prescription checked before dispensing</source>
        <translation>Every prescription checked before dispensing</translation>
    </message>
    <message>
        <source>Medication cards and guidance given</source>
        <translation>Medication cards and guidance given</translation>
    </message>
    <message>
        <source>Stock and expiry dates checked</source>
        <translation>Stock and expiry dates checked</translation>
    </message>
    <message>
        <source>Today&apos;s follow-up calls made or rescheduled</source>
        <translation>Today&apos;s follow-up calls made or rescheduled</translation>
    </message>
    <message>
        <source>Health records of today&apos;s members updated</source>
        <translation>Health records of today&apos;s members updated</translation>
    </message>
    <message>
        <source>Calls spot-checked</source>
        <translation>Calls spot-checked</translation>
    </message>
    <message>
        <source>Today&apos;s follow-up and survey calls made</source>
        <translation>Today&apos;s follow-up and survey calls made</translation>
    </message>
    <message>
        <source>Complaints of the day accepted and contacted on time</source>
        <translation>Complaints of the day accepted and contacted on time</translation>
    </message>
    <message>
        <source>Suggestions forwarded to the departments</source>
        <translation>Suggestions forwarded to the departments</translation>
    </message>
    <message>
        <source>Complaint deadlines due tomorrow checked</source>
        <translation>Complaint deadlines due tomorrow checked</translation>
    </message>
    <message>
        <source>Escalated complaints seen and answered</source>
        <translation>Escalated complaints seen and answered</translation>
    </message>
    <message>
        <source>Quality dashboard reviewed</source>
        <translation>Quality dashboard reviewed</translation>
    </message>
    <message>
        <source>Staff self-checks of the day reviewed</source>
        <translation>Staff self-checks of the day reviewed</translation>
    </message>
</context>
<context>
    <name>SelfCheckPanel</name>
    <message>
        <source>What was missed, and what you did</source>
        <translation>What was missed, and what you did</translation>
    </message>
    <message>
        <source>My self-check for {day}</source>
        <translation>My self-check for {day}</translation>
    </message>
    <message>
        <source>Anything else about today (optional)</source>
        <translation>Anything else about today (optional)</translation>
    </message>
    <message>
        <source>Missing self-checks</source>
        <translation>Missing self-checks</translation>
    </message>
    <message>
        <source>Checklists</source>
        <translation>Checklists</translation>
    </message>
    <message>
        <source>Your role has no checklist yet.</source>
        <translation>Your role has no checklist yet.</translation>
    </message>
    <message>
        <source>Not submitted yet: tick each item at the end of the day.</source>
        <translation>Not submitted yet: tick each item at the end of the day.</translation>
    </message>
    <message>
        <source>Submit</source>
        <translation>Submit</translation>
    </message>
    <message>
        <source>Submitted at {time}. You can change it and submit again.</source>
        <translation>Submitted at {time}. You can change it and submit again.</translation>
    </message>
    <message>
        <source>Update</source>
        <translation>Update</translation>
    </message>
    <message>
        <source>Say what was missed in item {n}, or tick it if it was done.</source>
        <translation>Say what was missed in item {n}, or tick it if it was done.</translation>
    </message>
    <message>
        <source>Thank you. Your self-check is saved.</source>
        <translation>Thank you. Your self-check is saved.</translation>
    </message>
</context>
<context>
    <name>SendBackDialog</name>
    <message>
        <source>Send back to the desk</source>
        <translation>Send back to the desk</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Note for the desk</source>
        <translation>Note for the desk</translation>
    </message>
    <message>
        <source>No. {number} · {patient} goes back to the desk and keeps the queue number.</source>
        <translation>No. {number} · {patient} goes back to the desk and keeps the queue number.</translation>
    </message>
    <message>
        <source>Send back</source>
        <translation>Send back</translation>
    </message>
</context>
<context>
    <name>SeriesChangeDialog</name>
    <message>
        <source>Only this one</source>
        <translation>Only this one</translation>
    </message>
    <message>
        <source>This and the following ones</source>
        <translation>This and the following ones</translation>
    </message>
    <message>
        <source>All future ones</source>
        <translation>All future ones</translation>
    </message>
    <message>
        <source>Move a repeating appointment</source>
        <translation>Move a repeating appointment</translation>
    </message>
    <message>
        <source>This appointment is part of a series. Move only this one, or the later ones too? They keep their own days and take the new time, length and doctor. Past appointments stay as they are.</source>
        <translation>This appointment is part of a series. Move only this one, or the later ones too? They keep their own days and take the new time, length and doctor. Past appointments stay as they are.</translation>
    </message>
    <message>
        <source>Keep as it was</source>
        <translation>Keep as it was</translation>
    </message>
    <message>
        <source>Change a repeating appointment</source>
        <translation>Change a repeating appointment</translation>
    </message>
    <message>
        <source>Now: {when}, {minutes} min, {doctor}</source>
        <translation>Now: {when}, {minutes} min, {doctor}</translation>
    </message>
    <message>
        <source>Which appointments change?</source>
        <translation>Which appointments change?</translation>
    </message>
    <message>
        <source>Start time</source>
        <translation>Start time</translation>
    </message>
    <message>
        <source>Length</source>
        <translation>Length</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>minutes</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Weekdays</source>
        <translation>Weekdays</translation>
    </message>
    <message>
        <source>Weekdays belong to the whole series: change the following ones or all.</source>
        <translation>Weekdays belong to the whole series: change the following ones or all.</translation>
    </message>
    <message>
        <source>I have checked the patient&apos;s identity (real-name booking)</source>
        <translation>I have checked the patient&apos;s identity (real-name booking)</translation>
    </message>
    <message>
        <source>Required: bookings are real-name, so a change is refused until you have checked the patient&apos;s identity document (or name and ID number on the phone).</source>
        <translation>Required: bookings are real-name, so a change is refused until you have checked the patient&apos;s identity document (or name and ID number on the phone).</translation>
    </message>
    <message>
        <source>A skipped date keeps its appointment as it is now; move it on its own if needed.</source>
        <translation>A skipped date keeps its appointment as it is now; move it on its own if needed.</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Change</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Only this appointment changes, on its own day ({day}). To move it to another day, drag it in the calendar.</source>
        <translation>Only this appointment changes, on its own day ({day}). To move it to another day, drag it in the calendar.</translation>
    </message>
    <message>
        <source>From {day} on, the series continues with the new values; earlier appointments stay as they are.</source>
        <translation>From {day} on, the series continues with the new values; earlier appointments stay as they are.</translation>
    </message>
    <message>
        <source>Every appointment of the series from today on changes; past appointments stay as they are.</source>
        <translation>Every appointment of the series from today on changes; past appointments stay as they are.</translation>
    </message>
    <message>
        <source>Change it although it is outside working hours</source>
        <translation>Change it although it is outside working hours</translation>
    </message>
    <message>
        <source>The patient has another appointment then: change anyway</source>
        <translation>The patient has another appointment then: change anyway</translation>
    </message>
    <message>
        <source>Change it although the time has passed</source>
        <translation>Change it although the time has passed</translation>
    </message>
    <message>
        <source>Change it although the clinic is closed that day</source>
        <translation>Change it although the clinic is closed that day</translation>
    </message>
    <message>
        <source>Change it into the time held for members anyway</source>
        <translation>Change it into the time held for members anyway</translation>
    </message>
    <message>
        <source>Tick at least one weekday for the series.</source>
        <translation>Tick at least one weekday for the series.</translation>
    </message>
    <message>
        <source>Nothing to change: choose another time, length, doctor or weekdays.</source>
        <translation>Nothing to change: choose another time, length, doctor or weekdays.</translation>
    </message>
    <message numerus="yes">
        <source>Skip these %n date(s) and change the rest</source>
        <translation>
            <numerusform>Skip these %n date and change the rest</numerusform>
            <numerusform>Skip these %n dates and change the rest</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SeriesText</name>
    <message>
        <source>every day</source>
        <translation>every day</translation>
    </message>
    <message>
        <source>every {n} days</source>
        <translation>every {n} days</translation>
    </message>
    <message>
        <source>every week on {days}</source>
        <translation>every week on {days}</translation>
    </message>
    <message>
        <source>every {n} weeks on {days}</source>
        <translation>every {n} weeks on {days}</translation>
    </message>
    <message>
        <source>every month on day {day}</source>
        <translation>every month on day {day}</translation>
    </message>
    <message>
        <source>every {n} months on day {day}</source>
        <translation>every {n} months on day {day}</translation>
    </message>
    <message>
        <source>until {day}</source>
        <translation>until {day}</translation>
    </message>
    <message>
        <source>once</source>
        <translation>once</translation>
    </message>
    <message>
        <source>{n} times in all</source>
        <translation>{n} times in all</translation>
    </message>
    <message>
        <source>with no end date</source>
        <translation>with no end date</translation>
    </message>
    <message>
        <source>Part of a series: {rule} {end}</source>
        <translation>Part of a series: {rule} {end}</translation>
    </message>
    <message>
        <source>(the series has ended)</source>
        <translation>(the series has ended)</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Clinic</source>
        <translation>Clinic</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>Security</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>Backup</translation>
    </message>
    <message>
        <source>Appointments</source>
        <translation>Appointments</translation>
    </message>
    <message>
        <source>Patients</source>
        <translation>Patients</translation>
    </message>
    <message>
        <source>Reception</source>
        <translation>Reception</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>Follow-up</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>Complaints</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>Quality</translation>
    </message>
    <message>
        <source>Membership</source>
        <translation>Membership</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>Printing</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Sync</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Messages</translation>
    </message>
    <message>
        <source>uncle</source>
        <translation>uncle</translation>
    </message>
    <message>
        <source>grandparent</source>
        <translation>grandparent</translation>
    </message>
    <message>
        <source>CN</source>
        <translation>CN</translation>
    </message>
    <message>
        <source>HK</source>
        <translation>HK</translation>
    </message>
    <message>
        <source>TW</source>
        <translation>TW</translation>
    </message>
    <message>
        <source>none</source>
        <translation>none</translation>
    </message>
    <message>
        <source>masked</source>
        <translation>masked</translation>
    </message>
    <message>
        <source>honorific</source>
        <translation>honorific</translation>
    </message>
    <message>
        <source>later</source>
        <translation>later</translation>
    </message>
    <message>
        <source>earlier</source>
        <translation>earlier</translation>
    </message>
    <message>
        <source>keep</source>
        <translation>keep</translation>
    </message>
    <message>
        <source>starttls</source>
        <translation>starttls</translation>
    </message>
    <message>
        <source>ssl</source>
        <translation>ssl</translation>
    </message>
    <message>
        <source>daily</source>
        <translation>daily</translation>
    </message>
    <message>
        <source>monthly</source>
        <translation>monthly</translation>
    </message>
    <message>
        <source>62mm</source>
        <translation>62mm</translation>
    </message>
    <message>
        <source>4x6in</source>
        <translation>4x6in</translation>
    </message>
    <message>
        <source>A4</source>
        <translation>A4</translation>
    </message>
    <message>
        <source>A5</source>
        <translation>A5</translation>
    </message>
    <message>
        <source>A6</source>
        <translation>A6</translation>
    </message>
    <message>
        <source>label</source>
        <translation>label</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>Clinic name</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Time zone</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>First-visit information (location, parking, what to bring)</source>
        <translation>First-visit information (location, parking, what to bring)</translation>
    </message>
    <message>
        <source>Default phone region</source>
        <translation>Default phone region</translation>
    </message>
    <message>
        <source>Wrong passwords before an account locks</source>
        <translation>Wrong passwords before an account locks</translation>
    </message>
    <message>
        <source>Lockout window and lock time (minutes)</source>
        <translation>Lockout window and lock time (minutes)</translation>
    </message>
    <message>
        <source>Lock the screen after idle minutes</source>
        <translation>Lock the screen after idle minutes</translation>
    </message>
    <message>
        <source>Make a backup every day</source>
        <translation>Make a backup every day</translation>
    </message>
    <message>
        <source>Daily backups to keep</source>
        <translation>Daily backups to keep</translation>
    </message>
    <message>
        <source>Backup folder (empty: &apos;backups&apos; in the data folder)</source>
        <translation>Backup folder (empty: &apos;backups&apos; in the data folder)</translation>
    </message>
    <message>
        <source>Address as elderly (大爷/大妈) from age</source>
        <translation>Address as elderly (大爷/大妈) from age</translation>
    </message>
    <message>
        <source>Form for the elderly</source>
        <translation>Form for the elderly</translation>
    </message>
    <message>
        <source>Address as a child (小朋友) below age</source>
        <translation>Address as a child (小朋友) below age</translation>
    </message>
    <message>
        <source>Address by title (李老师, 赵科长)</source>
        <translation>Address by title (李老师, 赵科长)</translation>
    </message>
    <message>
        <source>Largest attachment (MB)</source>
        <translation>Largest attachment (MB)</translation>
    </message>
    <message>
        <source>Record number prefix (empty: the year)</source>
        <translation>Record number prefix (empty: the year)</translation>
    </message>
    <message>
        <source>Public holidays of</source>
        <translation>Public holidays of</translation>
    </message>
    <message>
        <source>Calendar slot length (minutes)</source>
        <translation>Calendar slot length (minutes)</translation>
    </message>
    <message>
        <source>Mark as no-show after (minutes late)</source>
        <translation>Mark as no-show after (minutes late)</translation>
    </message>
    <message>
        <source>A cancellation is late within (hours)</source>
        <translation>A cancellation is late within (hours)</translation>
    </message>
    <message>
        <source>Open-ended series booked ahead (days)</source>
        <translation>Open-ended series booked ahead (days)</translation>
    </message>
    <message>
        <source>Most appointments in one series</source>
        <translation>Most appointments in one series</translation>
    </message>
    <message>
        <source>Bookings for tomorrow close at</source>
        <translation>Bookings for tomorrow close at</translation>
    </message>
    <message>
        <source>Doctor absence must be known by (day before)</source>
        <translation>Doctor absence must be known by (day before)</translation>
    </message>
    <message>
        <source>Next day&apos;s list to triage nurse by</source>
        <translation>Next day&apos;s list to triage nurse by</translation>
    </message>
    <message>
        <source>Reminder message, days before</source>
        <translation>Reminder message, days before</translation>
    </message>
    <message>
        <source>Reminder call, days before</source>
        <translation>Reminder call, days before</translation>
    </message>
    <message>
        <source>Respond to an arrival within (minutes)</source>
        <translation>Respond to an arrival within (minutes)</translation>
    </message>
    <message>
        <source>Waiting-time alert after (minutes)</source>
        <translation>Waiting-time alert after (minutes)</translation>
    </message>
    <message>
        <source>Names on the waiting-room screen</source>
        <translation>Names on the waiting-room screen</translation>
    </message>
    <message>
        <source>Refuse to sync when the clock is off by (minutes)</source>
        <translation>Refuse to sync when the clock is off by (minutes)</translation>
    </message>
    <message>
        <source>Sync at least every (seconds)</source>
        <translation>Sync at least every (seconds)</translation>
    </message>
    <message>
        <source>A pairing code stays valid for (minutes)</source>
        <translation>A pairing code stays valid for (minutes)</translation>
    </message>
    <message>
        <source>A workstation unseen this long no longer holds the hub&apos;s log (days)</source>
        <translation>A workstation unseen this long no longer holds the hub&apos;s log (days)</translation>
    </message>
    <message>
        <source>A follow-up due on a closed day moves</source>
        <translation>A follow-up due on a closed day moves</translation>
    </message>
    <message>
        <source>No answer: try again after (hours)</source>
        <translation>No answer: try again after (hours)</translation>
    </message>
    <message>
        <source>No answer: give up after this many tries</source>
        <translation>No answer: give up after this many tries</translation>
    </message>
    <message>
        <source>Call back no-shows of the last (days; 0: never)</source>
        <translation>Call back no-shows of the last (days; 0: never)</translation>
    </message>
    <message>
        <source>Complaints closed on time target (%)</source>
        <translation>Complaints closed on time target (%)</translation>
    </message>
    <message>
        <source>No-show rate at most (%)</source>
        <translation>No-show rate at most (%)</translation>
    </message>
    <message>
        <source>Average wait at most (minutes)</source>
        <translation>Average wait at most (minutes)</translation>
    </message>
    <message>
        <source>90% of patients wait at most (minutes)</source>
        <translation>90% of patients wait at most (minutes)</translation>
    </message>
    <message>
        <source>Follow-up rate target (%)</source>
        <translation>Follow-up rate target (%)</translation>
    </message>
    <message>
        <source>Revisit booking rate target (%)</source>
        <translation>Revisit booking rate target (%)</translation>
    </message>
    <message>
        <source>Booked visits target (% of visits)</source>
        <translation>Booked visits target (% of visits)</translation>
    </message>
    <message>
        <source>Prescriptions corrected at most (%)</source>
        <translation>Prescriptions corrected at most (%)</translation>
    </message>
    <message>
        <source>Weekly survey: call the patients or hand out forms</source>
        <translation>Weekly survey: call the patients or hand out forms</translation>
    </message>
    <message>
        <source>Changing tier mid-term is priced</source>
        <translation>Changing tier mid-term is priced</translation>
    </message>
    <message>
        <source>Renewal reminder before expiry (days)</source>
        <translation>Renewal reminder before expiry (days)</translation>
    </message>
    <message>
        <source>Lapsed members listed for (days after expiry)</source>
        <translation>Lapsed members listed for (days after expiry)</translation>
    </message>
    <message>
        <source>Slots per doctor and day held for members</source>
        <translation>Slots per doctor and day held for members</translation>
    </message>
    <message>
        <source>Held slots open to everyone (days before)</source>
        <translation>Held slots open to everyone (days before)</translation>
    </message>
    <message>
        <source>Annual health plan: check-in calls per year</source>
        <translation>Annual health plan: check-in calls per year</translation>
    </message>
    <message>
        <source>Mail server (SMTP)</source>
        <translation>Mail server (SMTP)</translation>
    </message>
    <message>
        <source>Mail server port</source>
        <translation>Mail server port</translation>
    </message>
    <message>
        <source>Mail server security</source>
        <translation>Mail server security</translation>
    </message>
    <message>
        <source>Mail server user name</source>
        <translation>Mail server user name</translation>
    </message>
    <message>
        <source>Mail server password</source>
        <translation>Mail server password</translation>
    </message>
    <message>
        <source>Send e-mail as (address)</source>
        <translation>Send e-mail as (address)</translation>
    </message>
    <message>
        <source>Give up on the mail server after (seconds)</source>
        <translation>Give up on the mail server after (seconds)</translation>
    </message>
    <message>
        <source>A message that could not go: try again after (minutes)</source>
        <translation>A message that could not go: try again after (minutes)</translation>
    </message>
    <message>
        <source>A message that could not go: give up after tries</source>
        <translation>A message that could not go: give up after tries</translation>
    </message>
    <message>
        <source>Send messages from</source>
        <translation>Send messages from</translation>
    </message>
    <message>
        <source>Send messages until</source>
        <translation>Send messages until</translation>
    </message>
    <message>
        <source>Workstation that sends (empty: this one)</source>
        <translation>Workstation that sends (empty: this one)</translation>
    </message>
    <message>
        <source>Everyone else: monthly random sample (%)</source>
        <translation>Everyone else: monthly random sample (%)</translation>
    </message>
    <message>
        <source>Accept a complaint within (hours)</source>
        <translation>Accept a complaint within (hours)</translation>
    </message>
    <message>
        <source>Contact the complainant within (hours)</source>
        <translation>Contact the complainant within (hours)</translation>
    </message>
    <message>
        <source>Answer a simple issue within (business days)</source>
        <translation>Answer a simple issue within (business days)</translation>
    </message>
    <message>
        <source>Propose a solution within (hours)</source>
        <translation>Propose a solution within (hours)</translation>
    </message>
    <message>
        <source>Close a complaint within (days)</source>
        <translation>Close a complaint within (days)</translation>
    </message>
    <message>
        <source>Rectification within (days)</source>
        <translation>Rectification within (days)</translation>
    </message>
    <message>
        <source>Answer a complex dispute within (days)</source>
        <translation>Answer a complex dispute within (days)</translation>
    </message>
    <message>
        <source>Day deadlines skip public holidays</source>
        <translation>Day deadlines skip public holidays</translation>
    </message>
    <message>
        <source>Weekly survey sample (% of patients)</source>
        <translation>Weekly survey sample (% of patients)</translation>
    </message>
    <message>
        <source>Semi-annual outpatient survey (% of a day)</source>
        <translation>Semi-annual outpatient survey (% of a day)</translation>
    </message>
    <message>
        <source>Semi-annual inpatient survey (% of a day)</source>
        <translation>Semi-annual inpatient survey (% of a day)</translation>
    </message>
    <message>
        <source>Satisfaction target (%)</source>
        <translation>Satisfaction target (%)</translation>
    </message>
    <message>
        <source>Complaint closure target (%)</source>
        <translation>Complaint closure target (%)</translation>
    </message>
    <message>
        <source>Root-cause analysis within (hours)</source>
        <translation>Root-cause analysis within (hours)</translation>
    </message>
    <message>
        <source>Label printer stock</source>
        <translation>Label printer stock</translation>
    </message>
    <message>
        <source>Medication card size</source>
        <translation>Medication card size</translation>
    </message>
    <message>
        <source>Large-print medication card size</source>
        <translation>Large-print medication card size</translation>
    </message>
    <message>
        <source>Large-print card (大字版) from age</source>
        <translation>Large-print card (大字版) from age</translation>
    </message>
    <message>
        <source>Appointment slip and contact card size</source>
        <translation>Appointment slip and contact card size</translation>
    </message>
    <message>
        <source>Extra margin for a printer that clips (mm)</source>
        <translation>Extra margin for a printer that clips (mm)</translation>
    </message>
    <message>
        <source>Opening hours (empty: from the doctors&apos; rosters)</source>
        <translation>Opening hours (empty: from the doctors&apos; rosters)</translation>
    </message>
    <message>
        <source>What to bring, on appointment slips</source>
        <translation>What to bring, on appointment slips</translation>
    </message>
    <message>
        <source>QR code on cards (empty: the clinic&apos;s contact)</source>
        <translation>QR code on cards (empty: the clinic&apos;s contact)</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Clinic settings</source>
        <translation>Clinic settings</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>Rosters</source>
        <translation>Rosters</translation>
    </message>
    <message>
        <source>Follow-up plans</source>
        <translation>Follow-up plans</translation>
    </message>
    <message>
        <source>Message templates</source>
        <translation>Message templates</translation>
    </message>
    <message>
        <source>Security and backup</source>
        <translation>Security and backup</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Sync</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>Set up ClinicDesk</source>
        <translation>Set up ClinicDesk</translation>
    </message>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; Back</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>Next &gt;</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Close without the recovery kit?</source>
        <translation>Close without the recovery kit?</translation>
    </message>
    <message>
        <source>The clinic has been created, but its recovery key is shown only on this page. Close without printing or saving the recovery kit?</source>
        <translation>The clinic has been created, but its recovery key is shown only on this page. Close without printing or saving the recovery kit?</translation>
    </message>
</context>
<context>
    <name>SignInWidget</name>
    <message>
        <source>User name</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>e.g. wang.li</source>
        <translation>e.g. wang.li</translation>
    </message>
    <message>
        <source>The screen was locked. Sign in to continue; patient data stays hidden until then.</source>
        <translation>The screen was locked. Sign in to continue; patient data stays hidden until then.</translation>
    </message>
    <message>
        <source>Sign in with your own account.</source>
        <translation>Sign in with your own account.</translation>
    </message>
    <message>
        <source>Type your user name.</source>
        <translation>Type your user name.</translation>
    </message>
    <message>
        <source>Type your password.</source>
        <translation>Type your password.</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Checking…</translation>
    </message>
</context>
<context>
    <name>SpotChecksPanel</name>
    <message>
        <source>Only calls not checked yet</source>
        <translation>Only calls not checked yet</translation>
    </message>
    <message>
        <source>Evaluation</source>
        <translation>Evaluation</translation>
    </message>
    <message>
        <source>What was good or should change (optional)</source>
        <translation>What was good or should change (optional)</translation>
    </message>
    <message>
        <source>Save the check</source>
        <translation>Save the check</translation>
    </message>
    <message>
        <source>Print the call record…</source>
        <translation>Print the call record…</translation>
    </message>
    <message>
        <source>Your own calls are checked by someone else.</source>
        <translation>Your own calls are checked by someone else.</translation>
    </message>
    <message>
        <source>When</source>
        <translation>When</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>Caller</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Satisfaction</source>
        <translation>Satisfaction</translation>
    </message>
    <message>
        <source>Checked</source>
        <translation>Checked</translation>
    </message>
    <message>
        <source>{rating} · {who} · {day}</source>
        <translation>{rating} · {who} · {day}</translation>
    </message>
    <message>
        <source>No calls in this period.</source>
        <translation>No calls in this period.</translation>
    </message>
    <message>
        <source>Recovery</source>
        <translation>Recovery</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>Medication</translation>
    </message>
    <message>
        <source>Did levels 1 and 2 happen?</source>
        <translation>Did levels 1 and 2 happen?</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>No</source>
        <translation>No</translation>
    </message>
    <message>
        <source>Anything else the patient said</source>
        <translation>Anything else the patient said</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>Suggestions</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>Forwarded</source>
        <translation>Forwarded</translation>
    </message>
    <message>
        <source>to the department (抄告)</source>
        <translation>to the department (抄告)</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>Complaint</translation>
    </message>
    <message>
        <source>opened from this call</source>
        <translation>opened from this call</translation>
    </message>
    <message>
        <source>Choose the evaluation: good, acceptable or poor.</source>
        <translation>Choose the evaluation: good, acceptable or poor.</translation>
    </message>
    <message>
        <source>Check saved.</source>
        <translation>Check saved.</translation>
    </message>
</context>
<context>
    <name>StaffDialog</name>
    <message>
        <source>Add a staff member</source>
        <translation>Add a staff member</translation>
    </message>
    <message>
        <source>The user name is what they type to sign in (letters a-z, digits and . _ - @). Give them the temporary password in person: they must choose their own at the first sign-in.</source>
        <translation>The user name is what they type to sign in (letters a-z, digits and . _ - @). Give them the temporary password in person: they must choose their own at the first sign-in.</translation>
    </message>
    <message>
        <source>Edit a staff member</source>
        <translation>Edit a staff member</translation>
    </message>
    <message>
        <source>A user name cannot be changed. To rename a sign-in, add a new account and disable this one.</source>
        <translation>A user name cannot be changed. To rename a sign-in, add a new account and disable this one.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>e.g. 张丽</source>
        <translation>e.g. 张丽</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>e.g. zhang.li</source>
        <translation>e.g. zhang.li</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Temporary password</source>
        <translation>Temporary password</translation>
    </message>
    <message>
        <source>Temporary password again</source>
        <translation>Temporary password again</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>The two passwords are not the same.</translation>
    </message>
</context>
<context>
    <name>StaffTab</name>
    <message>
        <source>Everyone who signs in to ClinicDesk. Disable the account of someone who leaves; their name stays in the records they wrote.</source>
        <translation>Everyone who signs in to ClinicDesk. Disable the account of someone who leaves; their name stays in the records they wrote.</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Add…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Edit…</translation>
    </message>
    <message>
        <source>Reset password…</source>
        <translation>Reset password…</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <source>Let a locked account sign in again before the lock ends</source>
        <translation>Let a locked account sign in again before the lock ends</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>Enable</translation>
    </message>
    <message>
        <source>Let this person sign in again</source>
        <translation>Let this person sign in again</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>Disable</translation>
    </message>
    <message>
        <source>Stop this person signing in; their records stay</source>
        <translation>Stop this person signing in; their records stay</translation>
    </message>
    <message>
        <source>{name} has a temporary password now.</source>
        <translation>{name} has a temporary password now.</translation>
    </message>
    <message>
        <source>{name} can sign in again.</source>
        <translation>{name} can sign in again.</translation>
    </message>
    <message>
        <source>{name}&apos;s account is disabled.</source>
        <translation>{name}&apos;s account is disabled.</translation>
    </message>
    <message>
        <source>{name}&apos;s account is enabled again.</source>
        <translation>{name}&apos;s account is enabled again.</translation>
    </message>
</context>
<context>
    <name>StaffTableModel</name>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Disabled</translation>
    </message>
    <message>
        <source>Locked until {time}</source>
        <translation>Locked until {time}</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Must choose a new password at the next sign-in.</source>
        <translation>Must choose a new password at the next sign-in.</translation>
    </message>
</context>
<context>
    <name>SuggestionBoxDialog</name>
    <message>
        <source>Suggestion box</source>
        <translation>Suggestion box</translation>
    </message>
    <message>
        <source>Enter every note found in the box, one per row, then save them all at once. Name and contact only if the writer gave them; empty rows are skipped. Each note becomes a complaint you own, received on the day the box was opened.</source>
        <translation>Enter every note found in the box, one per row, then save them all at once. Name and contact only if the writer gave them; empty rows are skipped. Each note becomes a complaint you own, received on the day the box was opened.</translation>
    </message>
    <message>
        <source>&amp;Opened on</source>
        <translation>&amp;Opened on</translation>
    </message>
    <message>
        <source>What the note says</source>
        <translation>What the note says</translation>
    </message>
    <message>
        <source>Name (if given)</source>
        <translation>Name (if given)</translation>
    </message>
    <message>
        <source>Contact (if given)</source>
        <translation>Contact (if given)</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Severity</translation>
    </message>
    <message>
        <source>Add a row</source>
        <translation>Add a row</translation>
    </message>
    <message>
        <source>Remove the row</source>
        <translation>Remove the row</translation>
    </message>
    <message>
        <source>Save all</source>
        <translation>Save all</translation>
    </message>
    <message>
        <source>At most {n} notes at a time: save these, then open the box again.</source>
        <translation>At most {n} notes at a time: save these, then open the box again.</translation>
    </message>
    <message>
        <source>Write at least one note, then save.</source>
        <translation>Write at least one note, then save.</translation>
    </message>
</context>
<context>
    <name>Survey</name>
    <message>
        <source>Score from 1 to 5</source>
        <translation>Score from 1 to 5</translation>
    </message>
    <message>
        <source>Open question</source>
        <translation>Open question</translation>
    </message>
    <message>
        <source>Weekly sample</source>
        <translation>Weekly sample</translation>
    </message>
    <message>
        <source>Semi-annual outpatient survey</source>
        <translation>Semi-annual outpatient survey</translation>
    </message>
    <message>
        <source>Semi-annual inpatient survey</source>
        <translation>Semi-annual inpatient survey</translation>
    </message>
    <message>
        <source>Call the patient</source>
        <translation>Call the patient</translation>
    </message>
    <message>
        <source>Printed form</source>
        <translation>Printed form</translation>
    </message>
    <message>
        <source>Drawn</source>
        <translation>Drawn</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>Answered</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>Declined</translation>
    </message>
    <message>
        <source>Not reached</source>
        <translation>Not reached</translation>
    </message>
    <message>
        <source>Satisfaction survey</source>
        <translation>Satisfaction survey</translation>
    </message>
    <message>
        <source>Weekly satisfaction survey</source>
        <translation>Weekly satisfaction survey</translation>
    </message>
</context>
<context>
    <name>Surveys</name>
    <message>
        <source>1 = very dissatisfied … 5 = very satisfied; 0 clears</source>
        <translation>1 = very dissatisfied … 5 = very satisfied; 0 clears</translation>
    </message>
</context>
<context>
    <name>SurveysPanel</name>
    <message>
        <source>Weekly sample</source>
        <translation>Weekly sample</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>Results</translation>
    </message>
    <message>
        <source>Week of</source>
        <translation>Week of</translation>
    </message>
    <message>
        <source>The week before</source>
        <translation>The week before</translation>
    </message>
    <message>
        <source>The week after</source>
        <translation>The week after</translation>
    </message>
    <message>
        <source>Ask by</source>
        <translation>Ask by</translation>
    </message>
    <message>
        <source>Draw this week&apos;s sample</source>
        <translation>Draw this week&apos;s sample</translation>
    </message>
    <message>
        <source>Draws the week&apos;s share of patients seen (Settings, Quality). Drawing again keeps those already drawn; every workstation draws the same patients.</source>
        <translation>Draws the week&apos;s share of patients seen (Settings, Quality). Drawing again keeps those already drawn; every workstation draws the same patients.</translation>
    </message>
    <message>
        <source>Print forms…</source>
        <translation>Print forms…</translation>
    </message>
    <message>
        <source>Enter a returned form…</source>
        <translation>Enter a returned form…</translation>
    </message>
    <message>
        <source>Questionnaires…</source>
        <translation>Questionnaires…</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>Visit</translation>
    </message>
    <message>
        <source>Asked by</source>
        <translation>Asked by</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>By</source>
        <translation>By</translation>
    </message>
    <message>
        <source>Question</source>
        <translation>Question</translation>
    </message>
    <message>
        <source>Responses</source>
        <translation>Responses</translation>
    </message>
    <message>
        <source>Answers</source>
        <translation>Answers</translation>
    </message>
    <message>
        <source>Mean (1-5)</source>
        <translation>Mean (1-5)</translation>
    </message>
    <message>
        <source>Satisfied (4-5)</source>
        <translation>Satisfied (4-5)</translation>
    </message>
    <message>
        <source>Satisfied %</source>
        <translation>Satisfied %</translation>
    </message>
    <message>
        <source>{first} to {last}</source>
        <translation>{first} to {last}</translation>
    </message>
    <message>
        <source>No patients were seen that week: nobody to ask.</source>
        <translation>No patients were seen that week: nobody to ask.</translation>
    </message>
    <message>
        <source>Drew {n} of {seen} patients seen ({percent} %).</source>
        <translation>Drew {n} of {seen} patients seen ({percent} %).</translation>
    </message>
    <message>
        <source>Not drawn yet for this week.</source>
        <translation>Not drawn yet for this week.</translation>
    </message>
    <message>
        <source>Patients seen: {seen}. Drawn: {n} ({percent} %), asked by {mode}. Answered so far: {answered}.</source>
        <translation>Patients seen: {seen}. Drawn: {n} ({percent} %), asked by {mode}. Answered so far: {answered}.</translation>
    </message>
    <message>
        <source>One form per patient drawn for a printed form, with its code</source>
        <translation>One form per patient drawn for a printed form, with its code</translation>
    </message>
    <message>
        <source>A blank form (no patient drawn for a printed form this week)</source>
        <translation>A blank form (no patient drawn for a printed form this week)</translation>
    </message>
    <message>
        <source>Satisfaction survey forms</source>
        <translation>Satisfaction survey forms</translation>
    </message>
    <message>
        <source>The form&apos;s answers are saved.</source>
        <translation>The form&apos;s answers are saved.</translation>
    </message>
    <message>
        <source>(not recorded)</source>
        <translation>(not recorded)</translation>
    </message>
    <message>
        <source>No survey answers in this period.</source>
        <translation>No survey answers in this period.</translation>
    </message>
</context>
<context>
    <name>SyncStatusLabel</name>
    <message>
        <source>an unexpected problem. The details are in the log file; please tell the person who looks after the clinic&apos;s computers.</source>
        <extracomment>every topic a screen may redraw on (not the audit log or backups: they never sync) the clinical record: each of these rows belongs to a patient&apos;s file a new ``SyncStatus`` (GUI thread) the loop started (True) or stopped (False)</extracomment>
        <translation>an unexpected problem. The details are in the log file; please tell the person who looks after the clinic&apos;s computers.</translation>
    </message>
    <message numerus="yes">
        <source>Offline since {time} — %n changes kept here</source>
        <translation>
            <numerusform>Offline since {time} — %n changes kept here</numerusform>
            <numerusform>Offline since {time} — %n changes kept here</numerusform>
        </translation>
    </message>
    <message>
        <source>Sync stopped: {reason}</source>
        <translation>Sync stopped: {reason}</translation>
    </message>
    <message numerus="yes">
        <source>Sending %n changes…</source>
        <translation>
            <numerusform>Sending %n changes…</numerusform>
            <numerusform>Sending %n changes…</numerusform>
        </translation>
    </message>
    <message>
        <source>Synced</source>
        <translation>Synced</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>Syncing…</translation>
    </message>
    <message>
        <source>Last synced at {time}.</source>
        <translation>Last synced at {time}.</translation>
    </message>
    <message>
        <source>Not synced yet since ClinicDesk started.</source>
        <translation>Not synced yet since ClinicDesk started.</translation>
    </message>
    <message>
        <source>Click (or press F9) to sync now.</source>
        <translation>Click (or press F9) to sync now.</translation>
    </message>
</context>
<context>
    <name>SyncTab</name>
    <message>
        <source>Sync between workstations</source>
        <translation>Sync between workstations</translation>
    </message>
    <message>
        <source>With sync, several computers of the clinic share its data. Each keeps its own encrypted copy and keeps working when the network is down; changes go through a hub, a PostgreSQL database on the clinic&apos;s server or in the cloud, which only ever holds them encrypted. Ask whoever looks after the clinic&apos;s network for the hub&apos;s address.</source>
        <translation>With sync, several computers of the clinic share its data. Each keeps its own encrypted copy and keeps working when the network is down; changes go through a hub, a PostgreSQL database on the clinic&apos;s server or in the cloud, which only ever holds them encrypted. Ask whoever looks after the clinic&apos;s network for the hub&apos;s address.</translation>
    </message>
    <message>
        <source>Hub address</source>
        <translation>Hub address</translation>
    </message>
    <message>
        <source>This workstation&apos;s name</source>
        <translation>This workstation&apos;s name</translation>
    </message>
    <message>
        <source>e.g. Front desk</source>
        <translation>e.g. Front desk</translation>
    </message>
    <message>
        <source>Make this the clinic&apos;s first workstation</source>
        <translation>Make this the clinic&apos;s first workstation</translation>
    </message>
    <message>
        <source>To add another computer later, create a pairing code here once sync is on. A computer that already has its own clinic data cannot join; the new computer joins during ClinicDesk&apos;s first-run setup.</source>
        <translation>To add another computer later, create a pairing code here once sync is on. A computer that already has its own clinic data cannot join; the new computer joins during ClinicDesk&apos;s first-run setup.</translation>
    </message>
    <message>
        <source>This workstation syncs</source>
        <translation>This workstation syncs</translation>
    </message>
    <message>
        <source>Hub</source>
        <translation>Hub</translation>
    </message>
    <message>
        <source>This workstation</source>
        <translation>This workstation</translation>
    </message>
    <message>
        <source>Changes not sent yet</source>
        <translation>Changes not sent yet</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>Last sync</translation>
    </message>
    <message>
        <source>Add a workstation…</source>
        <translation>Add a workstation…</translation>
    </message>
    <message>
        <source>Trim the hub&apos;s log…</source>
        <translation>Trim the hub&apos;s log…</translation>
    </message>
    <message>
        <source>Send a snapshot of this copy so the hub can drop the changes every workstation already has. New workstations then start from the snapshot.</source>
        <translation>Send a snapshot of this copy so the hub can drop the changes every workstation already has. New workstations then start from the snapshot.</translation>
    </message>
    <message>
        <source>Full resync…</source>
        <translation>Full resync…</translation>
    </message>
    <message>
        <source>Replace this computer&apos;s copy with the hub&apos;s, after it was away longer than the hub keeps its log.</source>
        <translation>Replace this computer&apos;s copy with the hub&apos;s, after it was away longer than the hub keeps its log.</translation>
    </message>
    <message>
        <source>Workstations</source>
        <translation>Workstations</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Enrolled</source>
        <translation>Enrolled</translation>
    </message>
    <message>
        <source>Last seen by the hub</source>
        <translation>Last seen by the hub</translation>
    </message>
    <message>
        <source>Changes sent</source>
        <translation>Changes sent</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>Remove…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>not yet</source>
        <translation>not yet</translation>
    </message>
    <message>
        <source>Conflicts… ({n} open)</source>
        <translation>Conflicts… ({n} open)</translation>
    </message>
    <message>
        <source>Conflicts…</source>
        <translation>Conflicts…</translation>
    </message>
    <message>
        <source>This computer</source>
        <translation>This computer</translation>
    </message>
    <message>
        <source>Removed {time}</source>
        <translation>Removed {time}</translation>
    </message>
    <message>
        <source>never</source>
        <translation>never</translation>
    </message>
    <message>
        <source>The list could not be read from the hub: {reason}</source>
        <translation>The list could not be read from the hub: {reason}</translation>
    </message>
    <message>
        <source>Reading the list from the hub…</source>
        <translation>Reading the list from the hub…</translation>
    </message>
    <message>
        <source>Connecting to the hub…</source>
        <translation>Connecting to the hub…</translation>
    </message>
    <message>
        <source>Turning sync on</source>
        <translation>Turning sync on</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Cancelling… (undoing what was prepared)</source>
        <translation>Cancelling… (undoing what was prepared)</translation>
    </message>
    <message>
        <source>Preparing the clinic&apos;s data for the hub… {percent}%</source>
        <translation>Preparing the clinic&apos;s data for the hub… {percent}%</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>Done.</translation>
    </message>
    <message>
        <source>Turning sync on was cancelled. Nothing was changed on this workstation.</source>
        <translation>Turning sync on was cancelled. Nothing was changed on this workstation.</translation>
    </message>
    <message>
        <source>This is now the clinic&apos;s first workstation. Its data is being sent to the hub; add the other computers with “Add a workstation…”.</source>
        <translation>This is now the clinic&apos;s first workstation. Its data is being sent to the hub; add the other computers with “Add a workstation…”.</translation>
    </message>
    <message>
        <source>Remove a workstation</source>
        <translation>Remove a workstation</translation>
    </message>
    <message>
        <source>Remove “{name}” from the clinic&apos;s sync? The hub will refuse its changes from now on; what it has not sent yet stays on that computer only. To use it again, set it up anew with a pairing code.</source>
        <translation>Remove “{name}” from the clinic&apos;s sync? The hub will refuse its changes from now on; what it has not sent yet stays on that computer only. To use it again, set it up anew with a pairing code.</translation>
    </message>
    <message>
        <source>Removing the workstation…</source>
        <translation>Removing the workstation…</translation>
    </message>
    <message>
        <source>The workstation was removed.</source>
        <translation>The workstation was removed.</translation>
    </message>
    <message>
        <source>Trim the hub&apos;s log</source>
        <translation>Trim the hub&apos;s log</translation>
    </message>
    <message>
        <source>Send a snapshot of this computer&apos;s copy to the hub? The hub then keeps only the changes some active workstation has not received yet. A workstation switched off for more than {days} days will need a full resync when it comes back.</source>
        <translation>Send a snapshot of this computer&apos;s copy to the hub? The hub then keeps only the changes some active workstation has not received yet. A workstation switched off for more than {days} days will need a full resync when it comes back.</translation>
    </message>
    <message>
        <source>Sending the snapshot…</source>
        <translation>Sending the snapshot…</translation>
    </message>
    <message>
        <source>Snapshot sent ({rows} rows); the hub trimmed its log.</source>
        <translation>Snapshot sent ({rows} rows); the hub trimmed its log.</translation>
    </message>
    <message>
        <source>Full resync</source>
        <translation>Full resync</translation>
    </message>
    <message>
        <source>Replace this computer&apos;s copy of the clinic with the hub&apos;s? Changes made here that were not sent yet are sent first. This takes a while for a large clinic; keep ClinicDesk open until it says it is done.</source>
        <translation>Replace this computer&apos;s copy of the clinic with the hub&apos;s? Changes made here that were not sent yet are sent first. This takes a while for a large clinic; keep ClinicDesk open until it says it is done.</translation>
    </message>
    <message>
        <source>Resyncing from the hub…</source>
        <translation>Resyncing from the hub…</translation>
    </message>
    <message>
        <source>This copy is up to date with the hub again.</source>
        <translation>This copy is up to date with the hub again.</translation>
    </message>
</context>
<context>
    <name>TierDialog</name>
    <message>
        <source>New membership tier</source>
        <translation>New membership tier</translation>
    </message>
    <message>
        <source>Edit tier {name}</source>
        <translation>Edit tier {name}</translation>
    </message>
    <message>
        <source>A tier&apos;s name in the three languages, its price and period, how many people it covers and its benefits: included, or an allowance counted per period.</source>
        <translation>A tier&apos;s name in the three languages, its price and period, how many people it covers and its benefits: included, or an allowance counted per period.</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>Short, unique: basic, family…</source>
        <translation>Short, unique: basic, family…</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Description</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Price</translation>
    </message>
    <message>
        <source>for</source>
        <translation>for</translation>
    </message>
    <message>
        <source>People, payer included</source>
        <translation>People, payer included</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>Colour</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <source>Benefits</source>
        <translation>Benefits</translation>
    </message>
    <message>
        <source>Add a benefit of your own</source>
        <translation>Add a benefit of your own</translation>
    </message>
    <message>
        <source>Changing the price does not change what existing members paid; it applies to enrolments and renewals from now on.</source>
        <translation>Changing the price does not change what existing members paid; it applies to enrolments and renewals from now on.</translation>
    </message>
    <message>
        <source>Sample</source>
        <translation>Sample</translation>
    </message>
    <message>
        <source>No colour</source>
        <translation>No colour</translation>
    </message>
    <message>
        <source>Not a colour</source>
        <translation>Not a colour</translation>
    </message>
    <message>
        <source>Tier colour</source>
        <translation>Tier colour</translation>
    </message>
</context>
<context>
    <name>TiersPanel</name>
    <message>
        <source>The tiers the desk can sell, in the order shown to them. A tier in use cannot be deleted: retire it, and its members keep it until they renew or change.</source>
        <translation>The tiers the desk can sell, in the order shown to them. A tier in use cannot be deleted: retire it, and its members keep it until they renew or change.</translation>
    </message>
    <message>
        <source>New tier…</source>
        <translation>New tier…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Edit…</translation>
    </message>
    <message>
        <source>Move up</source>
        <translation>Move up</translation>
    </message>
    <message>
        <source>Move down</source>
        <translation>Move down</translation>
    </message>
    <message>
        <source>Retire</source>
        <translation>Retire</translation>
    </message>
    <message>
        <source>Offer again</source>
        <translation>Offer again</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>Delete…</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>Tier</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Price</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>Period</translation>
    </message>
    <message>
        <source>People</source>
        <translation>People</translation>
    </message>
    <message>
        <source>Benefits</source>
        <translation>Benefits</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>In use</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>Offered</translation>
    </message>
    <message>
        <source>Retired</source>
        <translation>Retired</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Yes</translation>
    </message>
    <message numerus="yes">
        <source>In use by %n membership(s): retire it instead.</source>
        <translation>
            <numerusform>In use by %n membership: retire it instead.</numerusform>
            <numerusform>In use by %n memberships: retire it instead.</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete tier</source>
        <translation>Delete tier</translation>
    </message>
    <message>
        <source>Delete the tier {name}? This cannot be undone.</source>
        <translation>Delete the tier {name}? This cannot be undone.</translation>
    </message>
    <message>
        <source>Tier saved.</source>
        <translation>Tier saved.</translation>
    </message>
</context>
<context>
    <name>TrainingPanel</name>
    <message>
        <source>Title</source>
        <translation>Title</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>Added</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>No cases yet. A complaint&apos;s owner adds one from the complaint, once it has been answered.</source>
        <translation>No cases yet. A complaint&apos;s owner adds one from the complaint, once it has been answered.</translation>
    </message>
    <message numerus="yes">
        <source>%n case(s)</source>
        <translation>
            <numerusform>%n case</numerusform>
            <numerusform>%n cases</numerusform>
        </translation>
    </message>
    <message>
        <source>Added {day} by {name}</source>
        <translation>Added {day} by {name}</translation>
    </message>
</context>
<context>
    <name>TypesPanel</name>
    <message>
        <source>What patients come for. The usual length is offered when booking; the rooms and devices a type needs are booked with it.</source>
        <translation>What patients come for. The usual length is offered when booking; the rooms and devices a type needs are booked with it.</translation>
    </message>
    <message>
        <source>Also show types no longer offered</source>
        <translation>Also show types no longer offered</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Usual length</source>
        <translation>Usual length</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>Colour</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>Needs</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Add…</translation>
    </message>
    <message>
        <source>Change…</source>
        <translation>Change…</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} min</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>Offered</translation>
    </message>
    <message>
        <source>No longer offered</source>
        <translation>No longer offered</translation>
    </message>
    <message>
        <source>Offer again</source>
        <translation>Offer again</translation>
    </message>
    <message>
        <source>No longer offer</source>
        <translation>No longer offer</translation>
    </message>
    <message>
        <source>Added.</source>
        <translation>Added.</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Saved.</translation>
    </message>
    <message>
        <source>{name} is no longer offered for new bookings.</source>
        <translation>{name} is no longer offered for new bookings.</translation>
    </message>
    <message>
        <source>{name} is offered again.</source>
        <translation>{name} is offered again.</translation>
    </message>
</context>
<context>
    <name>UndoUseDialog</name>
    <message>
        <source>Undo a benefit use</source>
        <translation>Undo a benefit use</translation>
    </message>
    <message>
        <source>The use is given back by a line of -1; the original stays in the ledger.</source>
        <translation>The use is given back by a line of -1; the original stays in the ledger.</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>Use</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>There is no use to undo.</source>
        <translation>There is no use to undo.</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>Open the clinic</source>
        <translation>Open the clinic</translation>
    </message>
    <message>
        <source>This computer has no saved key for the clinic&apos;s data. Type the clinic passphrase, or the recovery key from the printed recovery kit.</source>
        <translation>This computer has no saved key for the clinic&apos;s data. Type the clinic passphrase, or the recovery key from the printed recovery kit.</translation>
    </message>
    <message>
        <source>Clinic passphrase</source>
        <translation>Clinic passphrase</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>Recovery key</translation>
    </message>
    <message>
        <source>Type the passphrase or recovery key first.</source>
        <translation>Type the passphrase or recovery key first.</translation>
    </message>
</context>
<context>
    <name>UseDialog</name>
    <message>
        <source>Record a benefit use on {card}</source>
        <translation>Record a benefit use on {card}</translation>
    </message>
    <message>
        <source>Each use is one line in the ledger, so two desks offline cannot lose one. Home visits booked in the calendar are counted there.</source>
        <translation>Each use is one line in the ledger, so two desks offline cannot lose one. Home visits booked in the calendar are counted there.</translation>
    </message>
    <message>
        <source>Benefit</source>
        <translation>Benefit</translation>
    </message>
    <message>
        <source>For</source>
        <translation>For</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>Reason to allow</source>
        <translation>Reason to allow</translation>
    </message>
    <message>
        <source>Why one more is allowed (at least 4 characters)</source>
        <translation>Why one more is allowed (at least 4 characters)</translation>
    </message>
    <message>
        <source>Recorded with your name and kept in the audit log.</source>
        <translation>Recorded with your name and kept in the audit log.</translation>
    </message>
    <message>
        <source>Allow with a reason…</source>
        <translation>Allow with a reason…</translation>
    </message>
    <message>
        <source>Included; no allowance is counted.</source>
        <translation>Included; no allowance is counted.</translation>
    </message>
    <message>
        <source>Allow one more</source>
        <translation>Allow one more</translation>
    </message>
    <message>
        <source>This tier has no benefit to record.</source>
        <translation>This tier has no benefit to record.</translation>
    </message>
</context>
<context>
    <name>VisitCategory</name>
    <message>
        <source>Cold or flu</source>
        <translation>Cold or flu</translation>
    </message>
    <message>
        <source>Physical examination</source>
        <translation>Physical examination</translation>
    </message>
    <message>
        <source>Physical examination with findings</source>
        <translation>Physical examination with findings</translation>
    </message>
    <message>
        <source>Chronic condition</source>
        <translation>Chronic condition</translation>
    </message>
    <message>
        <source>Chronic condition, discharged</source>
        <translation>Chronic condition, discharged</translation>
    </message>
    <message>
        <source>After an operation</source>
        <translation>After an operation</translation>
    </message>
    <message>
        <source>Family planning</source>
        <translation>Family planning</translation>
    </message>
    <message>
        <source>Inpatient surgery</source>
        <translation>Inpatient surgery</translation>
    </message>
    <message>
        <source>Outpatient surgery</source>
        <translation>Outpatient surgery</translation>
    </message>
    <message>
        <source>Other treatment</source>
        <translation>Other treatment</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Other</translation>
    </message>
</context>
<context>
    <name>VisitDialog</name>
    <message>
        <source>Kind of visit</source>
        <translation>Kind of visit</translation>
    </message>
    <message>
        <source>Chief complaint</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>Findings</translation>
    </message>
    <message>
        <source>Diagnosis</source>
        <translation>Diagnosis</translation>
    </message>
    <message>
        <source>ICD-10 code (optional)</source>
        <translation>ICD-10 code (optional)</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <source>Reason for the correction</source>
        <translation>Reason for the correction</translation>
    </message>
    <message>
        <source>Correct a visit</source>
        <translation>Correct a visit</translation>
    </message>
    <message>
        <source>The visit as written is kept; the correction is added with your name and the time.</source>
        <translation>The visit as written is kept; the correction is added with your name and the time.</translation>
    </message>
    <message>
        <source>New visit</source>
        <translation>New visit</translation>
    </message>
    <message>
        <source>Vital signs (optional)</source>
        <translation>Vital signs (optional)</translation>
    </message>
    <message>
        <source>Unusual readings</source>
        <translation>Unusual readings</translation>
    </message>
    <message>
        <source>Record them anyway?</source>
        <translation>Record them anyway?</translation>
    </message>
</context>
<context>
    <name>VisitsTab</name>
    <message>
        <source>New visit…</source>
        <translation>New visit…</translation>
    </message>
    <message>
        <source>Correct…</source>
        <translation>Correct…</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Kind of visit</source>
        <translation>Kind of visit</translation>
    </message>
    <message>
        <source>Diagnosis</source>
        <translation>Diagnosis</translation>
    </message>
    <message>
        <source>ICD-10</source>
        <translation>ICD-10</translation>
    </message>
    <message>
        <source> (corrected)</source>
        <translation> (corrected)</translation>
    </message>
    <message>
        <source>No visits recorded yet.</source>
        <translation>No visits recorded yet.</translation>
    </message>
    <message>
        <source>Chief complaint</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>Findings</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <source>Vital signs</source>
        <translation>Vital signs</translation>
    </message>
    <message>
        <source>Earlier version written {when} by {who}: {diagnosis}</source>
        <translation>Earlier version written {when} by {who}: {diagnosis}</translation>
    </message>
    <message>
        <source>Corrected {when} by {who}. Reason: {reason}</source>
        <translation>Corrected {when} by {who}. Reason: {reason}</translation>
    </message>
    <message>
        <source>Choose a visit in the list first.</source>
        <translation>Choose a visit in the list first.</translation>
    </message>
</context>
<context>
    <name>Vitals</name>
    <message>
        <source>Blood pressure, upper (systolic)</source>
        <translation>Blood pressure, upper (systolic)</translation>
    </message>
    <message>
        <source>Blood pressure, lower (diastolic)</source>
        <translation>Blood pressure, lower (diastolic)</translation>
    </message>
    <message>
        <source>Pulse</source>
        <translation>Pulse</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>Temperature</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>Weight</translation>
    </message>
    <message>
        <source>Height</source>
        <translation>Height</translation>
    </message>
    <message>
        <source>Oxygen saturation (SpO₂)</source>
        <translation>Oxygen saturation (SpO₂)</translation>
    </message>
    <message>
        <source>Breathing rate</source>
        <translation>Breathing rate</translation>
    </message>
    <message>
        <source>Blood glucose</source>
        <translation>Blood glucose</translation>
    </message>
</context>
<context>
    <name>VitalsBox</name>
    <message>
        <source>Blood pressure</source>
        <translation>Blood pressure</translation>
    </message>
    <message>
        <source>Pulse /min</source>
        <translation>Pulse /min</translation>
    </message>
    <message>
        <source>Temperature °C</source>
        <translation>Temperature °C</translation>
    </message>
    <message>
        <source>Weight kg</source>
        <translation>Weight kg</translation>
    </message>
    <message>
        <source>Height cm</source>
        <translation>Height cm</translation>
    </message>
    <message>
        <source>SpO₂ %</source>
        <translation>SpO₂ %</translation>
    </message>
</context>
<context>
    <name>VitalsDialog</name>
    <message>
        <source>Record vital signs</source>
        <translation>Record vital signs</translation>
    </message>
    <message>
        <source>Unusual readings</source>
        <translation>Unusual readings</translation>
    </message>
    <message>
        <source>Record them anyway?</source>
        <translation>Record them anyway?</translation>
    </message>
</context>
<context>
    <name>VitalsLine</name>
    <message>
        <source>No vital signs recorded yet.</source>
        <translation>No vital signs recorded yet.</translation>
    </message>
    <message>
        <source>BP {s}/{d} mmHg</source>
        <translation>BP {s}/{d} mmHg</translation>
    </message>
    <message>
        <source>pulse {n}/min</source>
        <translation>pulse {n}/min</translation>
    </message>
    <message>
        <source>Latest vital signs ({when}): {values}</source>
        <translation>Latest vital signs ({when}): {values}</translation>
    </message>
</context>
<context>
    <name>WaitAlertDialog</name>
    <message>
        <source>Waiting too long</source>
        <translation>Waiting too long</translation>
    </message>
    <message>
        <source>⚠ No. {no} has waited {minutes} min</source>
        <translation>⚠ No. {no} has waited {minutes} min</translation>
    </message>
    <message>
        <source>Go to the patient and explain the reason for the wait. You may offer a drink or priority for an examination. Tick what you did; it is recorded.</source>
        <translation>Go to the patient and explain the reason for the wait. You may offer a drink or priority for an examination. Tick what you did; it is recorded.</translation>
    </message>
    <message>
        <source>Note (optional; needed for “Other”)</source>
        <translation>Note (optional; needed for “Other”)</translation>
    </message>
    <message>
        <source>Tick at least one thing you did for the patient.</source>
        <translation>Tick at least one thing you did for the patient.</translation>
    </message>
</context>
<context>
    <name>WaitingRoomDisplay</name>
    <message>
        <source>Waiting room</source>
        <translation>Waiting room</translation>
    </message>
    <message>
        <source>Now calling</source>
        <translation>Now calling</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>Please wait to be called</source>
        <translation>Please wait to be called</translation>
    </message>
    <message>
        <source>Please have your queue number ready. Thank you for waiting.</source>
        <translation>Please have your queue number ready. Thank you for waiting.</translation>
    </message>
    <message numerus="yes">
        <source>and %n more waiting</source>
        <translation>
            <numerusform>and %n more waiting</numerusform>
            <numerusform>and %n more waiting</numerusform>
        </translation>
    </message>
    <message>
        <source>Nobody is waiting</source>
        <translation>Nobody is waiting</translation>
    </message>
</context>
<context>
    <name>WaitlistAddDialog</name>
    <message>
        <source>Add to the waitlist</source>
        <translation>Add to the waitlist</translation>
    </message>
    <message>
        <source>The patient wants an earlier time. When a slot frees up (a cancellation, a doctor&apos;s absence) they are offered it, priority first, then who waited longest.</source>
        <translation>The patient wants an earlier time. When a slot frees up (a cancellation, a doctor&apos;s absence) they are offered it, priority first, then who waited longest.</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Name, pinyin initials, phone digits or record number</source>
        <translation>Name, pinyin initials, phone digits or record number</translation>
    </message>
    <message>
        <source>Move earlier</source>
        <translation>Move earlier</translation>
    </message>
    <message>
        <source>(no appointment: any free time)</source>
        <translation>(no appointment: any free time)</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>Any doctor</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>Days</translation>
    </message>
    <message>
        <source>From</source>
        <translation>From</translation>
    </message>
    <message>
        <source>Until</source>
        <translation>Until</translation>
    </message>
    <message>
        <source>Preferred times</source>
        <translation>Preferred times</translation>
    </message>
    <message>
        <source>e.g. mornings, or after 15:00 on weekdays</source>
        <translation>e.g. mornings, or after 15:00 on weekdays</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Priority</translation>
    </message>
    <message>
        <source>Higher is offered first. Members with priority booking get at least {n} (A10).</source>
        <translation>Higher is offered first. Members with priority booking get at least {n} (A10).</translation>
    </message>
    <message>
        <source>Choose the patient first: search and pick one.</source>
        <translation>Choose the patient first: search and pick one.</translation>
    </message>
</context>
<context>
    <name>WaitlistPanel</name>
    <message>
        <source>member</source>
        <translation>member</translation>
    </message>
    <message>
        <source>Waitlist (ASAP list)</source>
        <translation>Waitlist (ASAP list)</translation>
    </message>
    <message>
        <source>Patients who want an earlier time. When a slot frees up, offer it to the first who fits: priority patients (members) first, then who waited longest.</source>
        <translation>Patients who want an earlier time. When a slot frees up, offer it to the first who fits: priority patients (members) first, then who waited longest.</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>All doctors</source>
        <translation>All doctors</translation>
    </message>
    <message>
        <source>Add patient…</source>
        <translation>Add patient…</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>Remove…</translation>
    </message>
    <message>
        <source>Patient declined</source>
        <translation>Patient declined</translation>
    </message>
    <message>
        <source>The patient said no to the slot offered; they keep waiting</source>
        <translation>The patient said no to the slot offered; they keep waiting</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>Days</translation>
    </message>
    <message>
        <source>Preferred times</source>
        <translation>Preferred times</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Priority</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Holds</source>
        <translation>Holds</translation>
    </message>
    <message>
        <source>Waiting since</source>
        <translation>Waiting since</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>Your role does not include appointments, so the waitlist is not shown.</source>
        <translation>Your role does not include appointments, so the waitlist is not shown.</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>Offered</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>Booked</translation>
    </message>
    <message>
        <source>Removed</source>
        <translation>Removed</translation>
    </message>
    <message>
        <source>from {day}</source>
        <translation>from {day}</translation>
    </message>
    <message>
        <source>until {day}</source>
        <translation>until {day}</translation>
    </message>
    <message>
        <source>any day</source>
        <translation>any day</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>Any doctor</translation>
    </message>
    <message>
        <source>Nobody is waiting for an earlier time.</source>
        <translation>Nobody is waiting for an earlier time.</translation>
    </message>
    <message>
        <source>Take off the waitlist</source>
        <translation>Take off the waitlist</translation>
    </message>
    <message>
        <source>Why is {patient} taken off the list? (e.g. not needed any more)</source>
        <translation>Why is {patient} taken off the list? (e.g. not needed any more)</translation>
    </message>
</context>
<context>
    <name>WalkInDialog</name>
    <message>
        <source>Walk-in</source>
        <translation>Walk-in</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Name, pinyin initials, phone digits or record number</source>
        <translation>Name, pinyin initials, phone digits or record number</translation>
    </message>
    <message>
        <source>New patient…</source>
        <translation>New patient…</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>Complaint</translation>
    </message>
    <message>
        <source>(choose the complaint)</source>
        <translation>(choose the complaint)</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>Free now</source>
        <translation>Free now</translation>
    </message>
    <message>
        <source>Suggested from the complaint and who is free; the best is chosen. “Any doctor”: the first free doctor calls the patient.</source>
        <translation>Suggested from the complaint and who is free; the best is chosen. “Any doctor”: the first free doctor calls the patient.</translation>
    </message>
    <message>
        <source>Identity checked (real-name): the ID matches the patient</source>
        <translation>Identity checked (real-name): the ID matches the patient</translation>
    </message>
    <message>
        <source>Arrived at</source>
        <translation>Arrived at</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Queue</translation>
    </message>
    <message>
        <source>No patient chosen yet: search, or register a new one.</source>
        <translation>No patient chosen yet: search, or register a new one.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>Busy</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>Any doctor</translation>
    </message>
    <message>
        <source>Choose the patient first: search, or register a new patient.</source>
        <translation>Choose the patient first: search, or register a new patient.</translation>
    </message>
    <message>
        <source>Check the patient&apos;s identity first (real-name), then tick the box.</source>
        <translation>Check the patient&apos;s identity first (real-name), then tick the box.</translation>
    </message>
    <message>
        <source>Queued. Please take a seat; {doctor} will call number {no}.</source>
        <translation>Queued. Please take a seat; {doctor} will call number {no}.</translation>
    </message>
    <message>
        <source>Queued. Please take a seat; the doctor will call number {no}.</source>
        <translation>Queued. Please take a seat; the doctor will call number {no}.</translation>
    </message>
    <message>
        <source>No. {no}</source>
        <translation>No. {no}</translation>
    </message>
    <message>
        <source>Already in today&apos;s queue: number {no}.</source>
        <translation>Already in today&apos;s queue: number {no}.</translation>
    </message>
</context>
<context>
    <name>WeekEditor</name>
    <message>
        <source>Day</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>Working hours</source>
        <translation>Working hours</translation>
    </message>
    <message>
        <source>Breaks</source>
        <translation>Breaks</translation>
    </message>
    <message>
        <source>Bookable</source>
        <translation>Bookable</translation>
    </message>
    <message>
        <source>e.g. 08:00-12:00, 13:30-17:30</source>
        <translation>e.g. 08:00-12:00, 13:30-17:30</translation>
    </message>
    <message>
        <source>e.g. 10:00-10:15</source>
        <translation>e.g. 10:00-10:15</translation>
    </message>
    <message>
        <source>{day}: “{text}” is not a span of time. Write the start and end joined by a dash, such as 08:00-12:00, and separate spans with commas.</source>
        <translation>{day}: “{text}” is not a span of time. Write the start and end joined by a dash, such as 08:00-12:00, and separate spans with commas.</translation>
    </message>
    <message>
        <source>{day}: {problem}</source>
        <translation>{day}: {problem}</translation>
    </message>
</context>
<context>
    <name>Weekdays</name>
    <message>
        <source>Monday</source>
        <translation>Monday</translation>
    </message>
    <message>
        <source>Tuesday</source>
        <translation>Tuesday</translation>
    </message>
    <message>
        <source>Wednesday</source>
        <translation>Wednesday</translation>
    </message>
    <message>
        <source>Thursday</source>
        <translation>Thursday</translation>
    </message>
    <message>
        <source>Friday</source>
        <translation>Friday</translation>
    </message>
    <message>
        <source>Saturday</source>
        <translation>Saturday</translation>
    </message>
    <message>
        <source>Sunday</source>
        <translation>Sunday</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to ClinicDesk</source>
        <translation>Welcome to ClinicDesk</translation>
    </message>
    <message>
        <source>This computer</source>
        <translation>This computer</translation>
    </message>
    <message>
        <source>Set up a new clinic</source>
        <translation>Set up a new clinic</translation>
    </message>
    <message>
        <source>Join a clinic that already syncs</source>
        <translation>Join a clinic that already syncs</translation>
    </message>
    <message>
        <source>For another computer of a clinic whose first workstation already syncs: you need the hub address and a pairing code from that workstation (Settings → Sync → Add a workstation), and the director&apos;s user name and password.</source>
        <translation>For another computer of a clinic whose first workstation already syncs: you need the hub address and a pairing code from that workstation (Settings → Sync → Add a workstation), and the director&apos;s user name and password.</translation>
    </message>
    <message>
        <source>This assistant sets up ClinicDesk for your clinic on this computer. It takes about five minutes. You will need the clinic&apos;s name and address, a user name and password for the director, and a clinic passphrase. At the end you print the clinic&apos;s recovery kit, so have a printer ready or save it as a PDF.</source>
        <translation>This assistant sets up ClinicDesk for your clinic on this computer. It takes about five minutes. You will need the clinic&apos;s name and address, a user name and password for the director, and a clinic passphrase. At the end you print the clinic&apos;s recovery kit, so have a printer ready or save it as a PDF.</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>The translation files are missing, so the texts stay in English. Reinstall ClinicDesk to fix this.</source>
        <translation>The translation files are missing, so the texts stay in English. Reinstall ClinicDesk to fix this.</translation>
    </message>
</context>
<context>
    <name>WorklistPanel</name>
    <message>
        <source>&amp;Day</source>
        <translation>&amp;Day</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>Back to today&apos;s list (Ctrl+T)</source>
        <translation>Back to today&apos;s list (Ctrl+T)</translation>
    </message>
    <message>
        <source>&amp;Calls for</source>
        <translation>&amp;Calls for</translation>
    </message>
    <message>
        <source>Mine</source>
        <translation>Mine</translation>
    </message>
    <message>
        <source>My role</source>
        <translation>My role</translation>
    </message>
    <message>
        <source>Everyone</source>
        <translation>Everyone</translation>
    </message>
    <message>
        <source>&amp;Kind</source>
        <translation>&amp;Kind</translation>
    </message>
    <message>
        <source>Also calls to try again later</source>
        <translation>Also calls to try again later</translation>
    </message>
    <message>
        <source>Show the calls that were not answered and wait for their next try</source>
        <translation>Show the calls that were not answered and wait for their next try</translation>
    </message>
    <message>
        <source>Call…</source>
        <translation>Call…</translation>
    </message>
    <message>
        <source>Open the call for the selected patient (Enter)</source>
        <translation>Open the call for the selected patient (Enter)</translation>
    </message>
    <message>
        <source>Add a follow-up…</source>
        <translation>Add a follow-up…</translation>
    </message>
    <message>
        <source>A call or message for a patient, by hand (Ctrl+N)</source>
        <translation>A call or message for a patient, by hand (Ctrl+N)</translation>
    </message>
    <message>
        <source>Reassign…</source>
        <translation>Reassign…</translation>
    </message>
    <message>
        <source>Close…</source>
        <translation>Close…</translation>
    </message>
    <message>
        <source>End the task without a call, with the reason</source>
        <translation>End the task without a call, with the reason</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>What</source>
        <translation>What</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>Caller</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Attempts</translation>
    </message>
    <message>
        <source>All kinds ({n})</source>
        <translation>All kinds ({n})</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Nothing to call on {day}.</source>
        <translation>Nothing to call on {day}.</translation>
    </message>
    <message numerus="yes">
        <source>%n call(s) or message(s) on {day}</source>
        <translation>
            <numerusform>%n call or message on {day}</numerusform>
            <numerusform>%n calls or messages on {day}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n overdue</source>
        <translation>
            <numerusform>%n overdue</numerusform>
            <numerusform>%n overdue</numerusform>
        </translation>
    </message>
    <message>
        <source>{n} shown</source>
        <translation>{n} shown</translation>
    </message>
</context>
</TS>
